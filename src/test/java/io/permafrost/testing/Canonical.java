package io.permafrost.testing;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.iceberg.data.Record;

/**
 * Renders values read from PostgreSQL (JDBC) and from the archive (Iceberg's reader) as the same
 * readable strings, so rows can be compared value for value.
 */
public final class Canonical {

    private Canonical() {}

    /** Canonical form of an Iceberg generic value. */
    public static String of(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof byte[] bytes) {
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof OffsetDateTime t) {
            return t.withOffsetSameInstant(ZoneOffset.UTC).toString();
        }
        if (v instanceof LocalTime t) {
            return time(t);
        }
        if (v instanceof Short s) {
            return Integer.toString(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            list.forEach(e -> out.add(of(e)));
            return out.toString();
        }
        return v.toString();
    }

    static String time(LocalTime t) {
        return String.format(
                "%02d:%02d:%02d.%06d",
                t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
    }

    /** Canonical forms of every column of the current JDBC row, by PostgreSQL type name. */
    public static List<String> row(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            out.add(jdbc(rs, i, md.getColumnTypeName(i)));
        }
        return out;
    }

    private static String jdbc(ResultSet rs, int i, String type) throws SQLException {
        Object raw = rs.getObject(i);
        if (raw == null) {
            return "NULL";
        }
        switch (type) {
            case "timestamptz":
                return rs.getObject(i, OffsetDateTime.class)
                        .withOffsetSameInstant(ZoneOffset.UTC)
                        .toString();
            case "timestamp":
                return rs.getObject(i, java.time.LocalDateTime.class).toString();
            case "date":
                return rs.getObject(i, java.time.LocalDate.class).toString();
            case "time":
                return time(rs.getObject(i, LocalTime.class));
            case "numeric":
                return rs.getString(i).contains("NaN")
                        ? "NaN"
                        : new BigDecimal(rs.getString(i)).toPlainString();
            case "bytea":
                return of(rs.getBytes(i));
            default:
                break;
        }
        if (raw instanceof Array a) {
            List<String> out = new ArrayList<>();
            for (Object e : (Object[]) a.getArray()) {
                out.add(of(e));
            }
            return out.toString();
        }
        return of(raw);
    }

    /** Canonical forms of the first {@code n} fields of an archived record. */
    public static List<String> record(Record r, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(of(r.get(i)));
        }
        return out;
    }
}
