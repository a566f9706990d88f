package io.permafrost.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Resolves a column's type to what its values are: a domain to the type it is over (its binary COPY
 * and {@code pgoutput} values are those of that type, and so are Debezium's), an array to its
 * element type. Domains over domains are followed; a domain's own type modifier (as in {@code
 * CREATE DOMAIN price AS numeric(12,2)}) applies when the column has none. An array of a domain, or
 * a domain over an array, is described as an array of the (outermost) domain.
 */
public final class PgTypes {

    /** How deep domains over domains are followed before giving up (a cycle cannot exist). */
    private static final int MAX_DEPTH = 32;

    /**
     * @param typeName {@code pg_type.typname} of the base (element) type
     * @param typeKind its {@code typtype}
     * @param typmod the type modifier that applies
     * @param array whether the values are arrays of that type
     * @param notNull whether a domain in the chain forbids NULL
     * @param domain the outermost domain's name, or null
     */
    public record Resolved(
            String typeName,
            char typeKind,
            int typmod,
            boolean array,
            boolean notNull,
            String domain) {}

    private record Row(
            String name,
            char kind,
            int baseType,
            int domainTypmod,
            boolean array,
            int element,
            boolean notNull) {}

    private final Connection conn;
    private final Map<Integer, Row> rows = new HashMap<>();

    public PgTypes(Connection conn) {
        this.conn = conn;
    }

    /** The type of a column of type {@code oid} with {@code pg_attribute.atttypmod} typmod. */
    public Resolved resolve(int oid, int typmod) throws SQLException {
        boolean array = false;
        boolean notNull = false;
        String domain = null;
        int current = oid;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            Row r = row(current);
            if (r.kind() == 'd') {
                if (domain == null) {
                    domain = r.name();
                }
                notNull |= r.notNull();
                if (typmod < 0) {
                    typmod = r.domainTypmod();
                }
                current = r.baseType();
            } else if (r.array() && !array) {
                array = true;
                current = r.element();
            } else if (array && domain != null) {
                // Arrays of domains (and domains over arrays): Debezium drops such columns, so they
                // are described by the domain, which no mapping accepts as an array element.
                return new Resolved(domain, 'd', typmod, true, notNull, domain);
            } else {
                return new Resolved(r.name(), r.kind(), typmod, array, notNull, domain);
            }
        }
        throw new SQLException("type " + oid + ": domains nested deeper than " + MAX_DEPTH);
    }

    private Row row(int oid) throws SQLException {
        Row cached = rows.get(oid);
        if (cached != null) {
            return cached;
        }
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT typname, typtype, typbasetype::int, typtypmod, typcategory = 'A'"
                                + " AND typelem <> 0, typelem::int, typnotnull FROM pg_type WHERE oid"
                                + " = ?::oid")) {
            st.setInt(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("type " + oid + " is not in pg_type");
                }
                Row r =
                        new Row(
                                rs.getString(1),
                                rs.getString(2).charAt(0),
                                rs.getInt(3),
                                rs.getInt(4),
                                rs.getBoolean(5),
                                rs.getInt(6),
                                rs.getBoolean(7));
                rows.put(oid, r);
                return r;
            }
        }
    }
}
