package io.permafrost.source.copy;

import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.ValueKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The binary COPY statement that reads one split: the archived columns in order (types whose binary
 * form is not their text cast to {@code text}, as Debezium reads them as text), from one relation,
 * limited to a range of heap blocks (a TID range scan, PostgreSQL 14+).
 */
final class CopyQuery {

    /** Text types whose binary form is the UTF-8 text itself. */
    private static final Set<String> RAW_TEXT = Set.of("text", "varchar", "bpchar", "name");

    /**
     * Types the binary reader does not decode: Debezium renders {@code interval} as an ISO-8601
     * duration, which a text cast would not reproduce.
     */
    private static final Set<String> NOT_READABLE = Set.of("interval");

    private CopyQuery() {}

    /** Why the binary reader cannot read this table, or null when it can. */
    static String unsupportedReason(ArchiveTable t) {
        return unsupportedReason(t.columns().stream().map(ColumnMapping::column).toList());
    }

    static String unsupportedReason(List<PgColumn> columns) {
        for (PgColumn c : columns) {
            if (NOT_READABLE.contains(c.typeName())) {
                return "column "
                        + c.name()
                        + " has type "
                        + c.displayType()
                        + ", which only the cdc snapshot reader renders as the stream does";
            }
        }
        return null;
    }

    /**
     * @param withXmin also the tuple's {@code xmin} (the transaction that wrote it), last
     */
    static String sql(
            ArchiveTable t, String relation, long firstBlock, long endBlock, boolean withXmin) {
        List<String> select = new ArrayList<>();
        for (ColumnMapping m : t.columns()) {
            select.add(column(m));
        }
        if (withXmin) {
            select.add("xmin");
        }
        StringBuilder sql =
                new StringBuilder("COPY (SELECT ")
                        .append(String.join(", ", select))
                        .append(" FROM ONLY ")
                        .append(relation);
        if (firstBlock > 0 || endBlock >= 0) {
            sql.append(" WHERE ");
            if (firstBlock > 0) {
                sql.append("ctid >= '(").append(firstBlock).append(",0)'::tid");
            }
            if (endBlock >= 0) {
                if (firstBlock > 0) {
                    sql.append(" AND ");
                }
                sql.append("ctid < '(").append(endBlock).append(",0)'::tid");
            }
        }
        return sql.append(") TO STDOUT (FORMAT binary)").toString();
    }

    private static String column(ColumnMapping m) {
        if (m.retired()) {
            return "NULL"; // the table no longer has it
        }
        String name = '"' + m.column().name().replace("\"", "\"\"") + '"';
        ValueKind kind = m.kind() == ValueKind.LIST ? m.element().kind() : m.kind();
        boolean castToText =
                kind == ValueKind.STRING
                        && m.column().typeKind() != 'e'
                        && !RAW_TEXT.contains(m.column().typeName());
        if (!castToText) {
            return name;
        }
        if (m.kind() == ValueKind.LIST) {
            // elements as their output functions print them, as the stream's decoder reads them
            return "textin(array_out(" + name + "))::text[]";
        }
        // inet's cast to text always adds the netmask; its output function (and Debezium) do not
        return "inet".equals(m.column().typeName())
                ? "textin(inet_out(" + name + "))"
                : name + "::text";
    }
}
