package io.permafrost.source.copy;

import io.permafrost.model.TableId;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.source.PermanentError;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Arrays;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Decodes one field of PostgreSQL's binary COPY format (the types' {@code send} functions) into the
 * Flink internal value of the archived column: the same value {@code ValueConverter} makes of what
 * Debezium reads, so snapshot rows look alike whichever reader read them. Every conversion is
 * exact; what an archived column cannot hold throws.
 */
public final class BinaryValues {

    /** 2000-01-01, PostgreSQL's epoch, in days and microseconds since 1970-01-01. */
    public static final int PG_EPOCH_DAYS = 10_957;

    public static final long PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400_000_000L;

    /** What {@link #unscaledLong} returns for a value it leaves to {@link #decode}. */
    public static final long NOT_A_LONG = Long.MIN_VALUE;

    private static final BigInteger NBASE = BigInteger.valueOf(10_000);

    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private BinaryValues() {}

    public static Object decode(ColumnMapping m, byte[] b, int off, int len) {
        switch (m.kind()) {
            case BOOLEAN:
                return b[off] != 0;
            case SHORT:
                return (int) (short) int16(b, off);
            case INT:
                return int32(b, off);
            case LONG:
                return int64(b, off);
            case FLOAT:
                return Float.intBitsToFloat(int32(b, off));
            case DOUBLE:
                return Double.longBitsToDouble(int64(b, off));
            case DECIMAL:
                return decimal(m, b, off);
            case NUMERIC_TEXT:
                return StringData.fromString(numericText(b, off));
            case STRING:
                return StringData.fromBytes(Arrays.copyOfRange(b, off, off + len));
            case BINARY:
            case UUID:
                return Arrays.copyOfRange(b, off, off + len);
            case DATE:
                {
                    int days = int32(b, off);
                    if (days == Integer.MAX_VALUE || days == Integer.MIN_VALUE) {
                        throw infinity(m);
                    }
                    return days + PG_EPOCH_DAYS;
                }
            case TIME_MILLIS:
                {
                    long micros = timeOfDay(m, int64(b, off));
                    if (micros % 1000 != 0) {
                        throw new IllegalStateException(
                                "time value with sub-millisecond digits in a time(3) column");
                    }
                    return (int) (micros / 1000);
                }
            case TIME_MICROS:
                return timeOfDay(m, int64(b, off));
            case TIMESTAMP:
            case TIMESTAMPTZ:
                {
                    long micros = int64(b, off);
                    if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
                        throw infinity(m);
                    }
                    micros += PG_EPOCH_MICROS;
                    return TimestampData.fromEpochMillis(
                            Math.floorDiv(micros, 1000L),
                            (int) Math.floorMod(micros, 1000L) * 1000);
                }
            case LIST:
                return array(m, b, off);
            default:
                throw new IllegalStateException("unhandled kind " + m.kind());
        }
    }

    /**
     * {@link #check}s a value of an archived row as it is read, naming the table and column when
     * the archive cannot hold it: a binary COPY tuple's and a pgoutput tuple's values alike. Such a
     * value fails the job at once ({@link PermanentError}): reading it again cannot mend it.
     */
    public static void checkColumn(TableId table, ColumnMapping m, byte[] b, int off, int len) {
        try {
            check(m, b, off, len);
        } catch (RuntimeException e) {
            throw PermanentError.of(
                    "cannot archive " + table + "." + m.column().name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Throws what {@link #decode} would throw for this value, without making the value where that
     * can be avoided: for a row whose values are decoded later, on demand ({@link CopyRow}).
     */
    static void check(ColumnMapping m, byte[] b, int off, int len) {
        switch (m.kind()) {
            case DATE:
                {
                    int days = int32(b, off);
                    if (days == Integer.MAX_VALUE || days == Integer.MIN_VALUE) {
                        throw infinity(m);
                    }
                    return;
                }
            case TIMESTAMP:
            case TIMESTAMPTZ:
                {
                    long micros = int64(b, off);
                    if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
                        throw infinity(m);
                    }
                    return;
                }
            case DECIMAL:
                if (unscaledLong(m, b, off) == NOT_A_LONG) {
                    decode(m, b, off, len);
                }
                return;
            case LIST:
                {
                    int ndim = int32(b, off);
                    if (ndim == 0) {
                        return;
                    }
                    if (ndim != 1) {
                        array(m, b, off); // throws, saying why
                    }
                    int n = int32(b, off + 12);
                    int p = off + 20;
                    for (int i = 0; i < n; i++) {
                        int l = int32(b, p);
                        p += 4;
                        if (l >= 0) {
                            check(m.element(), b, p, l);
                            p += l;
                        }
                    }
                    return;
                }
            case TIME_MILLIS:
            case TIME_MICROS:
            case NUMERIC_TEXT:
                decode(m, b, off, len);
                return;
            default:
                // booleans, integers, floats, strings, bytes, uuids: every value decodes
        }
    }

    /**
     * The unscaled value at the column's scale of a {@link io.permafrost.schema.ValueKind#DECIMAL}
     * value that fits the column, without BigDecimal; or {@link #NOT_A_LONG} when it does not fit a
     * long, does not fit the column, has another display scale, or is NaN or infinite: then {@link
     * #decode} makes it, or says why it cannot.
     */
    public static long unscaledLong(ColumnMapping m, byte[] b, int off) {
        int ndigits = int16(b, off);
        int weight = (short) int16(b, off + 2);
        int sign = int16(b, off + 4);
        int dscale = int16(b, off + 6);
        if ((sign != 0x0000 && sign != 0x4000) || dscale != m.scale()) {
            return NOT_A_LONG;
        }
        long head = 0;
        for (int i = 0; i < ndigits; i++) {
            int digit = int16(b, off + 8 + 2 * i);
            if (head > (Long.MAX_VALUE - digit) / 10_000) {
                return NOT_A_LONG;
            }
            head = head * 10_000 + digit;
        }
        // The digits at dscale: the last base-10000 digit may carry zeros beyond it.
        int shift = 4 * (weight - ndigits + 1) + dscale;
        long unscaled;
        if (shift >= 0) {
            if (shift >= POW10.length || head > Long.MAX_VALUE / POW10[shift]) {
                return NOT_A_LONG;
            }
            unscaled = head * POW10[shift];
        } else {
            if (-shift >= POW10.length || head % POW10[-shift] != 0) {
                return NOT_A_LONG;
            }
            unscaled = head / POW10[-shift];
        }
        if (m.precision() < POW10.length && unscaled >= POW10[m.precision()]) {
            return NOT_A_LONG;
        }
        return sign == 0x4000 ? -unscaled : unscaled;
    }

    /**
     * array_send: ndim, has-nulls flag, element type oid, (length, lower bound) per dimension, then
     * each element as length (-1 = NULL) and bytes.
     */
    private static GenericArrayData array(ColumnMapping m, byte[] b, int off) {
        int ndim = int32(b, off);
        if (ndim == 0) {
            return new GenericArrayData(new Object[0]);
        }
        if (ndim != 1) {
            throw new IllegalStateException(
                    "a " + ndim + "-dimensional array; Permafrost archives one-dimensional arrays");
        }
        int n = int32(b, off + 12);
        int p = off + 20;
        Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            int len = int32(b, p);
            p += 4;
            if (len >= 0) {
                out[i] = decode(m.element(), b, p, len);
                p += len;
            }
        }
        return new GenericArrayData(out);
    }

    private static DecimalData decimal(ColumnMapping m, byte[] b, int off) {
        BigDecimal d = numeric(b, off);
        if (d == null) {
            throw new IllegalStateException(
                    "column "
                            + m.column().name()
                            + " holds '"
                            + numericText(b, off)
                            + "', which an Iceberg decimal cannot store");
        }
        return m.decimalData(d);
    }

    /** The decimal text, as PostgreSQL prints it (NaN, Infinity and -Infinity included). */
    static String numericText(byte[] b, int off) {
        BigDecimal d = numeric(b, off);
        if (d != null) {
            return d.toPlainString();
        }
        return switch (int16(b, off + 4)) {
            case 0xC000 -> "NaN";
            case 0xD000 -> "Infinity";
            case 0xF000 -> "-Infinity";
            default -> throw new IllegalStateException("unknown numeric sign " + int16(b, off + 4));
        };
    }

    /**
     * numeric_send: ndigits, weight, sign, display scale (int16 each), then ndigits base-10000
     * digits, the first worth 10000^weight. Null for NaN and ±Infinity.
     */
    static BigDecimal numeric(byte[] b, int off) {
        int ndigits = int16(b, off);
        int weight = (short) int16(b, off + 2);
        int sign = int16(b, off + 4);
        int dscale = int16(b, off + 6);
        if (sign != 0x0000 && sign != 0x4000) {
            return null;
        }
        // Digits in a long while they fit (16-18 decimal digits), the rest in a BigInteger.
        long head = 0;
        int i = 0;
        for (; i < ndigits; i++) {
            int digit = int16(b, off + 8 + 2 * i);
            if (head > (Long.MAX_VALUE - digit) / 10_000) {
                break;
            }
            head = head * 10_000 + digit;
        }
        // the last digit is worth 10000^(weight - ndigits + 1)
        int exponent = 4 * (weight - ndigits + 1);
        BigDecimal d;
        int shift = exponent + dscale;
        if (i == ndigits
                && shift >= 0
                && shift < POW10.length
                && head <= Long.MAX_VALUE / POW10[shift]) {
            // The common case, without BigInteger arithmetic: the unscaled value at dscale.
            d = BigDecimal.valueOf(head * POW10[shift], dscale);
        } else {
            BigInteger unscaled = BigInteger.valueOf(head);
            for (; i < ndigits; i++) {
                unscaled =
                        unscaled.multiply(NBASE).add(BigInteger.valueOf(int16(b, off + 8 + 2 * i)));
            }
            d = new BigDecimal(unscaled, -exponent).setScale(dscale, RoundingMode.UNNECESSARY);
        }
        return sign == 0x4000 ? d.negate() : d;
    }

    /** Largest time of day Iceberg's time holds: 23:59:59.999999. */
    public static final long LAST_MICRO_OF_DAY = 86_400_000_000L - 1;

    /**
     * {@code micros} of a time column, if Iceberg's time can hold it: PostgreSQL also accepts
     * {@code 24:00:00}, which an Iceberg (and Java) time of day cannot store.
     */
    public static long timeOfDay(ColumnMapping m, long micros) {
        if (micros < 0 || micros > LAST_MICRO_OF_DAY) {
            throw new IllegalStateException(
                    "column "
                            + m.column().name()
                            + " holds "
                            + (micros == LAST_MICRO_OF_DAY + 1 ? "24:00:00" : micros + " µs")
                            + ", which an Iceberg time (00:00:00 to 23:59:59.999999) cannot store."
                            + " Fix: UPDATE the row to 23:59:59.999999 (or the next day's"
                            + " 00:00:00), or leave the column out with exclude_columns");
        }
        return micros;
    }

    private static IllegalStateException infinity(ColumnMapping m) {
        return new IllegalStateException(
                "column "
                        + m.column().name()
                        + " holds 'infinity', which an Iceberg "
                        + (m.kind().name().equals("DATE") ? "date" : "timestamp")
                        + " cannot store");
    }

    public static int int16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    public static int int32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24)
                | ((b[off + 1] & 0xff) << 16)
                | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    public static long int64(byte[] b, int off) {
        return ((long) int32(b, off) << 32) | (int32(b, off + 4) & 0xffffffffL);
    }
}
