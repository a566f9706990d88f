package io.permafrost.source;

import io.permafrost.schema.ColumnMapping;
import io.permafrost.source.copy.BinaryValues;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.kafka.connect.data.Schema;

/**
 * Converts one value as Debezium decodes it (with {@code decimal.handling.mode=string}, {@code
 * interval.handling.mode=string}, adaptive time precision) into the Flink internal value of the
 * archived column. Every conversion is exact; anything that would lose information throws.
 */
final class ValueConverter {

    /** Debezium's stand-in for an unchanged TOAST value it could not read. */
    static final String TOAST_PLACEHOLDER = "__debezium_unavailable_value";

    private static final byte[] TOAST_PLACEHOLDER_BYTES = TOAST_PLACEHOLDER.getBytes();

    private static final String[] TIMES = {
        "io.debezium.time.Time", "io.debezium.time.MicroTime", "io.debezium.time.NanoTime"
    };
    private static final String[] TIMESTAMPS = {
        "io.debezium.time.Timestamp",
        "io.debezium.time.MicroTimestamp",
        "io.debezium.time.NanoTimestamp"
    };

    private ValueConverter() {}

    /**
     * Whether Debezium's logical type name is one of {@code expected}, or absent (a value whose
     * schema is unknown is taken as the column's type).
     */
    private static boolean logicalIn(String logical, String... expected) {
        return logical == null || Arrays.asList(expected).contains(logical);
    }

    /**
     * A number of another Java type than the column's: the column's type changed since the job was
     * planned (e.g. {@code ALTER COLUMN ... TYPE bigint}); its value is archived only if it fits.
     */
    private static int exactInt(Number v, ColumnMapping m) {
        try {
            return new BigDecimal(v.toString()).intValueExact();
        } catch (ArithmeticException | NumberFormatException e) { // too large, fraction, NaN
            throw doesNotFit(v, m);
        }
    }

    /** As {@link #exactInt}, for a long column. */
    private static long exactLong(Number v, ColumnMapping m) {
        try {
            return new BigDecimal(v.toString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw doesNotFit(v, m);
        }
    }

    private static IllegalStateException doesNotFit(Object v, ColumnMapping m) {
        return new IllegalStateException(
                "value "
                        + v
                        + " does not fit the archived type "
                        + m.icebergType()
                        + " of the column; was its type changed since the job was planned?"
                        + " Start 'permafrost run' again: a changed type is refused before anything"
                        + " is archived with it");
    }

    static Object convert(ColumnMapping m, Object v, Schema schema) {
        if (v == null) {
            return null;
        }
        String logical = schema == null ? null : schema.name();
        switch (m.kind()) {
            case BOOLEAN:
                return (Boolean) v;
            case SHORT:
            case INT:
                return v instanceof Integer || v instanceof Short || v instanceof Byte
                        ? ((Number) v).intValue()
                        : exactInt((Number) v, m);
            case LONG:
                return v instanceof Long || v instanceof Integer || v instanceof Short
                        ? ((Number) v).longValue()
                        : exactLong((Number) v, m);
            case FLOAT:
                {
                    double d = ((Number) v).doubleValue();
                    if (!(v instanceof Float) && (double) (float) d != d && !Double.isNaN(d)) {
                        throw doesNotFit(v, m);
                    }
                    return (float) d;
                }
            case DOUBLE:
                {
                    if (v instanceof Long l && (long) (double) l != l) {
                        throw doesNotFit(v, m);
                    }
                    if (v instanceof BigDecimal b
                            && new BigDecimal(b.doubleValue()).compareTo(b) != 0) {
                        throw doesNotFit(v, m);
                    }
                    return ((Number) v).doubleValue();
                }
            case DECIMAL:
                return m.decimalData(decimal(v, m));
            case NUMERIC_TEXT:
                {
                    String s = v instanceof BigDecimal b ? b.toPlainString() : v.toString();
                    try {
                        return StringData.fromString(new BigDecimal(s).toPlainString());
                    } catch (NumberFormatException e) {
                        return StringData.fromString(s); // NaN, Infinity, -Infinity
                    }
                }
            case STRING:
                {
                    String s = v.toString();
                    if (TOAST_PLACEHOLDER.equals(s)) {
                        throw toast(m);
                    }
                    return StringData.fromString(s);
                }
            case BINARY:
                {
                    byte[] bytes = bytes(v);
                    if (Arrays.equals(bytes, TOAST_PLACEHOLDER_BYTES)) {
                        throw toast(m);
                    }
                    return bytes;
                }
            case UUID:
                {
                    UUID u = UUID.fromString(v.toString());
                    return ByteBuffer.allocate(16)
                            .putLong(u.getMostSignificantBits())
                            .putLong(u.getLeastSignificantBits())
                            .array();
                }
            case DATE:
                if (!(v instanceof Integer) || !logicalIn(logical, "io.debezium.time.Date")) {
                    throw doesNotFit(v, m);
                }
                return (Integer) v;
            case TIME_MICROS:
                return BinaryValues.timeOfDay(m, timeMicros(v, logical));
            case TIME_MILLIS:
                {
                    long micros = BinaryValues.timeOfDay(m, timeMicros(v, logical));
                    if (micros % 1000 != 0) {
                        throw new IllegalStateException(
                                "time value with sub-millisecond digits in a time(3) column");
                    }
                    return (int) (micros / 1000);
                }
            case TIMESTAMP:
                if (!logicalIn(logical, TIMESTAMPS)) {
                    throw doesNotFit(v, m);
                }
                return timestamp(((Number) v).longValue(), logical);
            case TIMESTAMPTZ:
                return TimestampData.fromInstant(OffsetDateTime.parse(v.toString()).toInstant());
            case LIST:
                {
                    List<?> items = (List<?>) v;
                    Schema elementSchema = schema == null ? null : schema.valueSchema();
                    Object[] out = new Object[items.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = convert(m.element(), items.get(i), elementSchema);
                    }
                    return new GenericArrayData(out);
                }
            default:
                throw new IllegalStateException("unhandled kind " + m.kind());
        }
    }

    private static BigDecimal decimal(Object v, ColumnMapping m) {
        if (v instanceof BigDecimal b) {
            return b;
        }
        try {
            return new BigDecimal(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "column "
                            + m.column().name()
                            + " holds '"
                            + v
                            + "', which an Iceberg decimal cannot store");
        }
    }

    private static byte[] bytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        ByteBuffer buf = ((ByteBuffer) v).duplicate();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    /** io.debezium.time.Time is int millis, MicroTime long micros, NanoTime long nanos. */
    private static long timeMicros(Object v, String logical) {
        if (!logicalIn(logical, TIMES)) {
            throw new IllegalStateException(
                    "value "
                            + v
                            + " of "
                            + logical
                            + " is no time of day; was the column's type"
                            + " changed since the job was planned?");
        }
        long n = ((Number) v).longValue();
        if ("io.debezium.time.Time".equals(logical)) {
            return n * 1000;
        }
        if ("io.debezium.time.NanoTime".equals(logical)) {
            return n / 1000;
        }
        return n;
    }

    /** io.debezium.time.Timestamp is millis, MicroTimestamp micros, NanoTimestamp nanos. */
    private static TimestampData timestamp(long n, String logical) {
        long micros;
        if ("io.debezium.time.Timestamp".equals(logical)) {
            micros = n * 1000;
        } else if ("io.debezium.time.NanoTimestamp".equals(logical)) {
            micros = Math.floorDiv(n, 1000L);
        } else {
            micros = n;
        }
        return TimestampData.fromEpochMillis(
                Math.floorDiv(micros, 1000L), (int) Math.floorMod(micros, 1000L) * 1000);
    }

    private static IllegalStateException toast(ColumnMapping m) {
        return new IllegalStateException(
                "column "
                        + m.column().name()
                        + " arrived as an unchanged-TOAST placeholder; the "
                        + "table needs REPLICA IDENTITY FULL so updates carry every value (a"
                        + " partitioned table: on each partition, a partition created since the"
                        + " job started too; PostgreSQL does not pass it down)");
    }
}
