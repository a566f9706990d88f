package io.permafrost.source.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.ValueKind;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.TimestampData;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class BinaryValuesTest {

    /** numeric_send of the given base-10000 digits. */
    static byte[] numeric(int weight, int sign, int dscale, int... digits) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 * digits.length);
        b.putShort((short) digits.length)
                .putShort((short) weight)
                .putShort((short) sign)
                .putShort((short) dscale);
        for (int d : digits) {
            b.putShort((short) d);
        }
        return b.array();
    }

    @Test
    void numericDigitsBecomeTheExactDecimalWithItsDisplayScale() {
        assertThat(BinaryValues.numeric(numeric(4, 0, 0, 1234, 5678, 9012, 3456, 7890), 0))
                .isEqualTo(new BigDecimal("12345678901234567890"));
        assertThat(BinaryValues.numeric(numeric(-1, 0, 3, 10), 0))
                .isEqualTo(new BigDecimal("0.001"));
        assertThat(BinaryValues.numeric(numeric(0, 0x4000, 1, 1, 5000), 0))
                .isEqualTo(new BigDecimal("-1.5"));
        assertThat(BinaryValues.numeric(numeric(0, 0, 2), 0)).isEqualTo(new BigDecimal("0.00"));
        // 100000 is stored as one digit 10 of weight 1, with trailing zeros implied
        assertThat(BinaryValues.numeric(numeric(1, 0, 0, 10), 0))
                .isEqualTo(new BigDecimal("100000"));
        assertThat(BinaryValues.numericText(numeric(0, 0xC000, 0), 0)).isEqualTo("NaN");
        assertThat(BinaryValues.numericText(numeric(0, 0xD000, 0), 0)).isEqualTo("Infinity");
        assertThat(BinaryValues.numericText(numeric(0, 0xF000, 0), 0)).isEqualTo("-Infinity");
    }

    /** numeric_send of a decimal, as PostgreSQL writes it (no leading or trailing zero digits). */
    static byte[] send(BigDecimal v) {
        int dscale = Math.max(v.scale(), 0);
        String[] parts = v.abs().setScale(dscale).toPlainString().split("\\.");
        String whole = "0".repeat((4 - parts[0].length() % 4) % 4) + parts[0];
        String fraction = parts.length > 1 ? parts[1] : "";
        fraction = fraction + "0".repeat((4 - fraction.length() % 4) % 4);
        java.util.List<Integer> digits = new java.util.ArrayList<>();
        String all = whole + fraction;
        for (int i = 0; i < all.length(); i += 4) {
            digits.add(Integer.parseInt(all.substring(i, i + 4)));
        }
        int weight = whole.length() / 4 - 1;
        while (!digits.isEmpty() && digits.get(0) == 0) {
            digits.remove(0);
            weight--;
        }
        while (!digits.isEmpty() && digits.get(digits.size() - 1) == 0) {
            digits.remove(digits.size() - 1);
        }
        if (digits.isEmpty()) {
            weight = 0;
        }
        return numeric(
                weight,
                v.signum() < 0 ? 0x4000 : 0,
                dscale,
                digits.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void numericDecodesEveryValueExactlyWithItsScale() {
        java.util.Random random = new java.util.Random(42);
        for (int n = 0; n < 20_000; n++) {
            int digits = 1 + random.nextInt(38);
            StringBuilder unscaled = new StringBuilder(random.nextBoolean() ? "-" : "");
            for (int i = 0; i < digits; i++) {
                unscaled.append(random.nextInt(10));
            }
            if (random.nextInt(4) == 0) {
                unscaled.append("0".repeat(random.nextInt(9))); // trailing zeros
            }
            BigDecimal v =
                    new BigDecimal(
                            new java.math.BigInteger(unscaled.toString()), random.nextInt(12));
            BigDecimal expected = v.setScale(Math.max(v.scale(), 0));
            assertThat(BinaryValues.numeric(send(v), 0)).as(v.toPlainString()).isEqualTo(expected);
        }
    }

    @Test
    void decimalColumnsRefuseWhatTheyCannotHold() {
        ColumnMapping price = mapping("price", "numeric", ValueKind.DECIMAL, 5, 2);
        byte[] ok = numeric(0, 0, 2, 12, 3400); // 12.34
        assertThat(BinaryValues.decode(price, ok, 0, ok.length))
                .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("12.34"), 5, 2));
        byte[] nan = numeric(0, 0xC000, 0);
        assertThatThrownBy(() -> BinaryValues.decode(price, nan, 0, nan.length))
                .hasMessageContaining("holds 'NaN'");
        byte[] big = numeric(1, 0, 0, 12, 3456); // 123456
        assertThatThrownBy(() -> BinaryValues.decode(price, big, 0, big.length))
                .hasMessageContaining("does not fit numeric(5,2)");
    }

    @Test
    void timestampsAndDatesCountFromPostgresEpochAndRefuseInfinity() {
        ColumnMapping ts = mapping("at", "timestamptz", ValueKind.TIMESTAMPTZ, 0, 0);
        long micros = -1; // 1999-12-31T23:59:59.999999Z
        byte[] b = ByteBuffer.allocate(8).putLong(micros).array();
        assertThat(BinaryValues.decode(ts, b, 0, 8))
                .isEqualTo(TimestampData.fromInstant(Instant.parse("1999-12-31T23:59:59.999999Z")));
        byte[] inf = ByteBuffer.allocate(8).putLong(Long.MAX_VALUE).array();
        assertThatThrownBy(() -> BinaryValues.decode(ts, inf, 0, 8))
                .hasMessageContaining("holds 'infinity'");
        ColumnMapping day = mapping("day", "date", ValueKind.DATE, 0, 0);
        assertThat(BinaryValues.decode(day, ByteBuffer.allocate(4).putInt(1).array(), 0, 4))
                .isEqualTo(10_958); // 2000-01-02
    }

    @Test
    void timesAreMicrosecondsOfTheDayAndTwentyFourOClockIsRefused() {
        ColumnMapping micros = mapping("t", "time", ValueKind.TIME_MICROS, 0, 0);
        ColumnMapping millis = mapping("t", "time", ValueKind.TIME_MILLIS, 0, 0);
        byte[] t = ByteBuffer.allocate(8).putLong(26_130_123_456L).array(); // 07:15:30.123456
        assertThat(BinaryValues.decode(micros, t, 0, 8)).isEqualTo(26_130_123_456L);
        assertThatThrownBy(() -> BinaryValues.decode(millis, t, 0, 8))
                .hasMessageContaining("sub-millisecond");
        byte[] last = ByteBuffer.allocate(8).putLong(BinaryValues.LAST_MICRO_OF_DAY).array();
        assertThat(BinaryValues.decode(micros, last, 0, 8))
                .isEqualTo(BinaryValues.LAST_MICRO_OF_DAY);
        byte[] endOfDay = ByteBuffer.allocate(8).putLong(86_400_000_000L).array();
        for (ColumnMapping m : java.util.List.of(micros, millis)) {
            assertThatThrownBy(() -> BinaryValues.check(m, endOfDay, 0, 8))
                    .hasMessageContaining("holds 24:00:00")
                    .hasMessageContaining("Fix:");
        }
    }

    @Test
    void unscaledLongIsTheDecimalsUnscaledValueOrLeavesItToDecode() {
        java.util.Random random = new java.util.Random(7);
        int fast = 0;
        for (int n = 0; n < 20_000; n++) {
            int precision = 1 + random.nextInt(38);
            int scale = random.nextInt(Math.min(precision, 12) + 1);
            ColumnMapping m = mapping("d", "numeric", ValueKind.DECIMAL, precision, scale);
            int digits = 1 + random.nextInt(precision + 2); // now and then too many
            StringBuilder unscaled = new StringBuilder(random.nextBoolean() ? "-" : "");
            for (int i = 0; i < digits; i++) {
                unscaled.append(random.nextInt(10));
            }
            BigDecimal v = new BigDecimal(new java.math.BigInteger(unscaled.toString()), scale);
            byte[] b = send(v);
            long u = BinaryValues.unscaledLong(m, b, 0);
            java.math.BigInteger expected = v.unscaledValue();
            boolean fits = v.precision() <= precision || v.signum() == 0;
            if (fits && u != BinaryValues.NOT_A_LONG) {
                assertThat(u)
                        .as("%s as numeric(%d,%d)", v, precision, scale)
                        .isEqualTo(expected.longValueExact());
                assertThat(((DecimalData) BinaryValues.decode(m, b, 0, b.length)).toBigDecimal())
                        .isEqualByComparingTo(v);
                BinaryValues.check(m, b, 0, b.length);
                fast++;
            } else if (!fits) {
                assertThat(u)
                        .as("%s as numeric(%d,%d)", v, precision, scale)
                        .isEqualTo(BinaryValues.NOT_A_LONG);
                assertThatThrownBy(() -> BinaryValues.check(m, b, 0, b.length))
                        .hasMessageContaining("does not fit");
            } else {
                // Fits the column, not a long (base-10000 digits may carry up to 3 more zeros).
                assertThat(expected.bitLength())
                        .as("%s as numeric(%d,%d) is left to BigDecimal", v, precision, scale)
                        .isGreaterThan(50);
                assertThat(((DecimalData) BinaryValues.decode(m, b, 0, b.length)).toBigDecimal())
                        .isEqualByComparingTo(v);
                BinaryValues.check(m, b, 0, b.length);
            }
        }
        assertThat(fast).as("values taken without BigDecimal").isGreaterThan(5_000);
        ColumnMapping m = mapping("d", "numeric", ValueKind.DECIMAL, 5, 2);
        byte[] nan = numeric(0, 0xC000, 0);
        assertThat(BinaryValues.unscaledLong(m, nan, 0)).isEqualTo(BinaryValues.NOT_A_LONG);
        assertThatThrownBy(() -> BinaryValues.check(m, nan, 0, nan.length))
                .hasMessageContaining("holds 'NaN'");
    }

    @Test
    void checkRefusesWhatDecodeRefuses() {
        ColumnMapping ts = mapping("at", "timestamptz", ValueKind.TIMESTAMPTZ, 0, 0);
        byte[] inf = ByteBuffer.allocate(8).putLong(Long.MIN_VALUE).array();
        assertThatThrownBy(() -> BinaryValues.check(ts, inf, 0, 8))
                .hasMessageContaining("holds 'infinity'");
        ColumnMapping day = mapping("day", "date", ValueKind.DATE, 0, 0);
        byte[] never = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> BinaryValues.check(day, never, 0, 4))
                .hasMessageContaining("holds 'infinity'");
        BinaryValues.check(ts, ByteBuffer.allocate(8).putLong(-1).array(), 0, 8);
    }

    @Test
    void oneDimensionalArraysKeepNullElements() {
        ColumnMapping element = mapping("nums", "int4", ValueKind.INT, 0, 0);
        ColumnMapping list =
                new ColumnMapping(
                        new PgColumn("nums", "int4", 'b', -1, true, false),
                        Types.ListType.ofOptional(1, Types.IntegerType.get()),
                        ValueKind.LIST,
                        0,
                        0,
                        element);
        ByteBuffer b = ByteBuffer.allocate(20 + 8 + 4 + 8);
        b.putInt(1).putInt(1).putInt(23).putInt(3).putInt(1); // ndim, has nulls, int4, 3 from 1
        b.putInt(4).putInt(7).putInt(-1).putInt(4).putInt(-9);
        GenericArrayData a = (GenericArrayData) BinaryValues.decode(list, b.array(), 0, 40);
        assertThat(a.toObjectArray()).containsExactly(7, null, -9);
        byte[] empty = ByteBuffer.allocate(12).putInt(0).putInt(0).putInt(23).array();
        assertThat(((GenericArrayData) BinaryValues.decode(list, empty, 0, 12)).size()).isZero();
    }

    private static ColumnMapping mapping(
            String name, String type, ValueKind kind, int precision, int scale) {
        return new ColumnMapping(
                new PgColumn(name, type, 'b', -1, false, false),
                Types.StringType.get(),
                kind,
                precision,
                scale,
                null);
    }
}
