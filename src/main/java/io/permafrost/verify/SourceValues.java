package io.permafrost.verify;

import io.permafrost.schema.ColumnMapping;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads a JDBC value as the Iceberg generic Java value the archive holds for it (the same types
 * {@code IcebergGenerics} returns), following the column's documented mapping.
 */
public final class SourceValues {

    private SourceValues() {}

    public static Object read(ResultSet rs, int index, ColumnMapping m) throws SQLException {
        switch (m.kind()) {
            case LIST:
                {
                    Array a = rs.getArray(index);
                    if (a == null) {
                        return null;
                    }
                    List<Object> out = new ArrayList<>();
                    for (Object e : (Object[]) a.getArray()) {
                        out.add(element(e, m.element()));
                    }
                    return out;
                }
            case NUMERIC_TEXT:
                {
                    String s = rs.getString(index);
                    return s == null ? null : numericText(s);
                }
            default:
                Object v =
                        switch (m.kind()) {
                            case BOOLEAN -> rs.getObject(index, Boolean.class);
                            case SHORT, INT -> rs.getObject(index, Integer.class);
                            case LONG -> rs.getObject(index, Long.class);
                            case FLOAT -> rs.getObject(index, Float.class);
                            case DOUBLE -> rs.getObject(index, Double.class);
                            case DECIMAL -> decimal(rs.getString(index), m);
                            case STRING -> rs.getString(index);
                            case BINARY -> bytes(rs.getBytes(index));
                            case UUID -> rs.getObject(index, UUID.class);
                            case DATE -> rs.getObject(index, LocalDate.class);
                            case TIME_MILLIS, TIME_MICROS -> rs.getObject(index, LocalTime.class);
                            case TIMESTAMP -> rs.getObject(index, LocalDateTime.class);
                            case TIMESTAMPTZ -> utc(rs.getObject(index, OffsetDateTime.class));
                            default -> throw new IllegalStateException("unhandled " + m.kind());
                        };
                return v;
        }
    }

    private static Object element(Object e, ColumnMapping m) {
        if (e == null) {
            return null;
        }
        return switch (m.kind()) {
            case SHORT -> ((Number) e).intValue();
            case INT -> ((Number) e).intValue();
            case LONG -> ((Number) e).longValue();
            case FLOAT -> ((Number) e).floatValue();
            case DOUBLE -> ((Number) e).doubleValue();
            case DECIMAL -> decimal(e.toString(), m);
            case NUMERIC_TEXT -> numericText(e.toString());
            case BINARY -> bytes((byte[]) e);
            case UUID -> e instanceof UUID u ? u : UUID.fromString(e.toString());
            case DATE ->
                    e instanceof java.sql.Date d ? d.toLocalDate() : LocalDate.parse(e.toString());
            case TIMESTAMP ->
                    e instanceof java.sql.Timestamp t
                            ? t.toLocalDateTime()
                            : LocalDateTime.parse(e.toString());
            case TIMESTAMPTZ ->
                    e instanceof java.sql.Timestamp t
                            ? t.toInstant().atOffset(ZoneOffset.UTC)
                            : utc(OffsetDateTime.parse(e.toString()));
            case BOOLEAN -> e;
            default -> e.toString();
        };
    }

    static String numericText(String s) {
        try {
            return new BigDecimal(s).toPlainString();
        } catch (NumberFormatException e) {
            return s;
        }
    }

    private static BigDecimal decimal(String s, ColumnMapping m) {
        if (s == null) {
            return null;
        }
        try {
            return new BigDecimal(s).setScale(m.scale(), RoundingMode.UNNECESSARY);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "column "
                            + m.column().name()
                            + " holds '"
                            + s
                            + "', which an Iceberg decimal cannot store");
        }
    }

    private static ByteBuffer bytes(byte[] b) {
        return b == null ? null : ByteBuffer.wrap(b);
    }

    private static OffsetDateTime utc(OffsetDateTime t) {
        return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
    }
}
