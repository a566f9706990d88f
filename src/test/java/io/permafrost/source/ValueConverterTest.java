package io.permafrost.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

class ValueConverterTest {

    private static final Schema TIMESTAMP_MILLIS =
            SchemaBuilder.int64().name("io.debezium.time.Timestamp").optional().build();
    private static final Schema TIMESTAMP_MICROS =
            SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build();
    private static final Schema TIMESTAMP_NANOS =
            SchemaBuilder.int64().name("io.debezium.time.NanoTimestamp").optional().build();
    private static final Schema TIME_MILLIS =
            SchemaBuilder.int32().name("io.debezium.time.Time").optional().build();
    private static final Schema TIME_MICROS =
            SchemaBuilder.int64().name("io.debezium.time.MicroTime").optional().build();
    private static final Schema TIME_NANOS =
            SchemaBuilder.int64().name("io.debezium.time.NanoTime").optional().build();

    private static ColumnMapping column(String type, int typmod) {
        return TypeMapping.map("public.t", new PgColumn("c", type, 'b', typmod, false, false));
    }

    private static ColumnMapping column(String type) {
        return column(type, -1);
    }

    private static ColumnMapping arrayColumn(String elementType) {
        return TypeMapping.map("public.t", new PgColumn("c", elementType, 'b', -1, true, false));
    }

    private static ColumnMapping numeric(int precision, int scale) {
        return column("numeric", ((precision << 16) | scale) + 4);
    }

    private static Object convert(ColumnMapping m, Object v) {
        return ValueConverter.convert(m, v, null);
    }

    @Test
    void nullStaysNullForEveryKind() {
        for (String type : List.of("bool", "int4", "text", "bytea", "uuid", "timestamptz")) {
            assertThat(convert(column(type), null)).as(type).isNull();
        }
        assertThat(convert(numeric(10, 2), null)).isNull();
    }

    @Test
    void booleanAndIntegers() {
        assertThat(convert(column("bool"), true)).isEqualTo(true);
        assertThat(convert(column("int2"), (short) -7)).isEqualTo(-7); // int2 archives as int
        assertThat(convert(column("int4"), 2_000_000_000)).isEqualTo(2_000_000_000);
        assertThat(convert(column("int8"), 9_000_000_000L)).isEqualTo(9_000_000_000L);
        assertThat(convert(column("int8"), 42)).isEqualTo(42L);
    }

    @Test
    void aWiderNumberArchivesOnlyIfItFitsTheColumnsType() {
        // what Debezium sends once ALTER COLUMN ... TYPE bigint / float8 / numeric ran mid-stream
        assertThat(convert(column("int4"), 7L)).isEqualTo(7);
        assertThat(convert(column("int8"), new BigDecimal("12"))).isEqualTo(12L);
        assertThat(convert(column("float4"), 0.5d)).isEqualTo(0.5f);
        assertThat(convert(column("float8"), 3L)).isEqualTo(3.0d);
        for (Object[] lossy :
                new Object[][] {
                    {"int4", 3_000_000_000L},
                    {"int4", new BigDecimal("1.5")},
                    {"int8", new BigDecimal("9223372036854775808")},
                    {"float4", 0.1d},
                    {"float8", Long.MAX_VALUE - 1},
                    {"float8", new BigDecimal("0.1")}
                }) {
            assertThatThrownBy(() -> convert(column((String) lossy[0]), lossy[1]))
                    .as("%s %s", lossy[0], lossy[1])
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not fit the archived type");
        }
    }

    @Test
    void aValueOfAnotherTemporalTypeIsRefused() {
        Schema date = SchemaBuilder.int32().name("io.debezium.time.Date").optional().build();
        // a date column retyped to timestamp, a timestamp column retyped to date or time
        assertThatThrownBy(
                        () ->
                                ValueConverter.convert(
                                        column("date"), 1_700_000_000_000_000L, TIMESTAMP_MICROS))
                .hasMessageContaining("does not fit the archived type date");
        assertThatThrownBy(() -> ValueConverter.convert(column("timestamp"), 19_000, date))
                .hasMessageContaining("does not fit the archived type timestamp");
        assertThatThrownBy(() -> ValueConverter.convert(column("time"), 19_000, date))
                .hasMessageContaining("is no time of day");
        assertThat(ValueConverter.convert(column("date"), 19_000, date)).isEqualTo(19_000);
    }

    @Test
    void floatingPoint() {
        assertThat(convert(column("float4"), 1.5f)).isEqualTo(1.5f);
        assertThat(convert(column("float8"), 2.25d)).isEqualTo(2.25d);
        assertThat(convert(column("float8"), Double.NaN)).isEqualTo(Double.NaN);
    }

    @Test
    void decimalFromStringIsPaddedToTheColumnScale() {
        Object v = convert(numeric(10, 3), "1.5");

        assertThat(v).isInstanceOf(DecimalData.class);
        DecimalData d = (DecimalData) v;
        assertThat(d.toBigDecimal()).isEqualTo(new BigDecimal("1.500"));
        assertThat(d.precision()).isEqualTo(10);
        assertThat(d.scale()).isEqualTo(3);
    }

    @Test
    void decimalFromBigDecimal() {
        DecimalData d = (DecimalData) convert(numeric(12, 2), new BigDecimal("-12345.6"));

        assertThat(d.toBigDecimal()).isEqualTo(new BigDecimal("-12345.60"));
    }

    @Test
    void decimalNaNIsRefused() {
        assertThatThrownBy(() -> convert(numeric(10, 3), "NaN"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("column c holds 'NaN', which an Iceberg decimal cannot store");
        assertThatThrownBy(() -> convert(numeric(10, 3), "Infinity"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'Infinity'");
    }

    @Test
    void decimalThatDoesNotFitIsRefused() {
        assertThatThrownBy(() -> convert(numeric(5, 2), "1234.5"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("value 1234.5 does not fit numeric(5,2)");
    }

    @Test
    void decimalIsNeverRounded() {
        assertThatThrownBy(() -> convert(numeric(10, 2), "1.005"))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void numericTextKeepsSpecialValues() {
        ColumnMapping m = column("numeric");

        assertThat(convert(m, "NaN")).isEqualTo(StringData.fromString("NaN"));
        assertThat(convert(m, "Infinity")).isEqualTo(StringData.fromString("Infinity"));
        assertThat(convert(m, "-Infinity")).isEqualTo(StringData.fromString("-Infinity"));
    }

    @Test
    void numericTextIsPlainDecimalText() {
        ColumnMapping m = column("numeric");

        assertThat(convert(m, "1.50")).isEqualTo(StringData.fromString("1.50")); // scale kept
        assertThat(convert(m, "1E+3")).isEqualTo(StringData.fromString("1000"));
        assertThat(convert(m, new BigDecimal("1.5E-7")))
                .isEqualTo(StringData.fromString("0.00000015"));
        assertThat(convert(m, "123456789012345678901234567890123456789012.5"))
                .isEqualTo(StringData.fromString("123456789012345678901234567890123456789012.5"));
    }

    @Test
    void strings() {
        assertThat(convert(column("text"), "héllo, wörld"))
                .isEqualTo(StringData.fromString("héllo, wörld"));
        assertThat(convert(column("bpchar"), "ab   ")).isEqualTo(StringData.fromString("ab   "));
        assertThat(convert(column("jsonb"), "{\"a\": 1}"))
                .isEqualTo(StringData.fromString("{\"a\": 1}"));
    }

    @Test
    void toastPlaceholderInAStringColumnIsRefused() {
        assertThatThrownBy(() -> convert(column("text"), "__debezium_unavailable_value"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("column c arrived as an unchanged-TOAST placeholder")
                .hasMessageContaining("REPLICA IDENTITY FULL");
    }

    @Test
    void toastPlaceholderInABinaryColumnIsRefused() {
        byte[] placeholder = "__debezium_unavailable_value".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> convert(column("bytea"), ByteBuffer.wrap(placeholder)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("REPLICA IDENTITY FULL");
    }

    @Test
    void binaryFromBytesAndByteBuffer() {
        byte[] bytes = {0x00, (byte) 0xff, 0x10};

        assertThat((byte[]) convert(column("bytea"), bytes)).containsExactly(0x00, 0xff, 0x10);
        ByteBuffer offsetBuffer = ByteBuffer.wrap(new byte[] {9, 0x00, (byte) 0xff, 0x10}, 1, 3);
        assertThat((byte[]) convert(column("bytea"), offsetBuffer))
                .containsExactly(0x00, 0xff, 0x10);
        assertThat(offsetBuffer.remaining()).isEqualTo(3); // input not consumed
    }

    @Test
    void uuidIsSixteenBigEndianBytes() {
        byte[] b = (byte[]) convert(column("uuid"), "00112233-4455-6677-8899-aabbccddeeff");

        assertThat(HexFormat.of().formatHex(b)).isEqualTo("00112233445566778899aabbccddeeff");
    }

    @Test
    void dateIsEpochDays() {
        assertThat(convert(column("date"), 19737))
                .isEqualTo((int) LocalDate.of(2024, 1, 15).toEpochDay());
        assertThat(convert(column("date"), -1))
                .isEqualTo((int) LocalDate.of(1969, 12, 31).toEpochDay());
    }

    @Test
    void timeIsMillisOfDayFromEveryDebeziumTimeUnit() {
        ColumnMapping m = column("time", 3);
        int expected = (7 * 3600 + 15 * 60 + 30) * 1000 + 123; // 07:15:30.123

        assertThat(ValueConverter.convert(m, 26_130_123, TIME_MILLIS)).isEqualTo(expected);
        assertThat(ValueConverter.convert(m, 26_130_123_000L, TIME_MICROS)).isEqualTo(expected);
        assertThat(ValueConverter.convert(m, 26_130_123_000_000L, TIME_NANOS)).isEqualTo(expected);
    }

    @Test
    void timeWithSubMillisecondDigitsIsRefused() {
        assertThatThrownBy(
                        () ->
                                ValueConverter.convert(
                                        column("time", 3), 26_130_123_456L, TIME_MICROS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sub-millisecond");
    }

    @Test
    void timeOfMicrosecondsKeepsItsMicrosecondsAsALong() {
        ColumnMapping m = column("time"); // time without a typmod is time(6)
        long expected = 26_130_123_456L; // 07:15:30.123456

        assertThat(ValueConverter.convert(m, expected, TIME_MICROS)).isEqualTo(expected);
        assertThat(ValueConverter.convert(m, expected * 1000, TIME_NANOS)).isEqualTo(expected);
    }

    @Test
    void midnightAtTheEndOfTheDayIsRefusedWithAFix() {
        long endOfDay = 86_400_000_000L; // PostgreSQL's 24:00:00
        for (ColumnMapping m : List.of(column("time"), column("time", 3))) {
            assertThatThrownBy(() -> ValueConverter.convert(m, endOfDay, TIME_MICROS))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("holds 24:00:00")
                    .hasMessageContaining("Fix:");
        }
    }

    @Test
    void timestampMillis() {
        TimestampData t =
                (TimestampData)
                        ValueConverter.convert(
                                column("timestamp"), 1705303812345L, TIMESTAMP_MILLIS);

        assertThat(t.toLocalDateTime()).isEqualTo(LocalDateTime.parse("2024-01-15T07:30:12.345"));
    }

    @Test
    void timestampMicros() {
        TimestampData t =
                (TimestampData)
                        ValueConverter.convert(
                                column("timestamp"), 1705303812345678L, TIMESTAMP_MICROS);

        assertThat(t.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("2024-01-15T07:30:12.345678"));
    }

    @Test
    void timestampNanosAreTruncatedToMicros() {
        TimestampData t =
                (TimestampData)
                        ValueConverter.convert(
                                column("timestamp"), 1705303812345678912L, TIMESTAMP_NANOS);

        assertThat(t.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("2024-01-15T07:30:12.345678"));
    }

    @Test
    void timestampWithoutLogicalNameIsMicros() {
        TimestampData t = (TimestampData) convert(column("timestamp"), 1705303812345678L);

        assertThat(t.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("2024-01-15T07:30:12.345678"));
    }

    @Test
    void timestampBefore1970() {
        TimestampData micros =
                (TimestampData) ValueConverter.convert(column("timestamp"), -1L, TIMESTAMP_MICROS);
        TimestampData millis =
                (TimestampData) ValueConverter.convert(column("timestamp"), -1L, TIMESTAMP_MILLIS);
        TimestampData nanos =
                (TimestampData) ValueConverter.convert(column("timestamp"), -1L, TIMESTAMP_NANOS);

        assertThat(micros.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("1969-12-31T23:59:59.999999"));
        assertThat(millis.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("1969-12-31T23:59:59.999"));
        assertThat(nanos.toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("1969-12-31T23:59:59.999999"));
    }

    @Test
    void timestamptzIsTheInstantOfTheIsoString() {
        ColumnMapping m = column("timestamptz");

        assertThat(((TimestampData) convert(m, "2024-01-15T09:30:12.345678+02:00")).toInstant())
                .isEqualTo(Instant.parse("2024-01-15T07:30:12.345678Z"));
        assertThat(((TimestampData) convert(m, "2024-01-15T02:30:12-05:00")).toInstant())
                .isEqualTo(Instant.parse("2024-01-15T07:30:12Z"));
        assertThat(((TimestampData) convert(m, "2024-01-15T07:30:12.5Z")).toInstant())
                .isEqualTo(Instant.parse("2024-01-15T07:30:12.500Z"));
        assertThat(((TimestampData) convert(m, "1960-01-01T00:00:00.000001+01:00")).toInstant())
                .isEqualTo(Instant.parse("1959-12-31T23:00:00.000001Z"));
    }

    @Test
    void listOfIntegersWithNullElement() {
        ArrayData a = (ArrayData) convert(arrayColumn("int4"), Arrays.asList(1, null, 3));

        assertThat(a.size()).isEqualTo(3);
        assertThat(a.getInt(0)).isEqualTo(1);
        assertThat(a.isNullAt(1)).isTrue();
        assertThat(a.getInt(2)).isEqualTo(3);
    }

    @Test
    void listOfStringsWithNullElement() {
        ArrayData a = (ArrayData) convert(arrayColumn("text"), Arrays.asList("a", null, ""));

        assertThat(a.size()).isEqualTo(3);
        assertThat(a.getString(0)).isEqualTo(StringData.fromString("a"));
        assertThat(a.isNullAt(1)).isTrue();
        assertThat(a.getString(2)).isEqualTo(StringData.fromString(""));
    }

    @Test
    void emptyList() {
        ArrayData a = (ArrayData) convert(arrayColumn("uuid"), List.of());

        assertThat(a.size()).isZero();
    }

    @Test
    void listElementsAreConvertedWithTheElementSchema() {
        Schema arrayOfMillis = SchemaBuilder.array(TIMESTAMP_MILLIS).optional().build();

        ArrayData a =
                (ArrayData)
                        ValueConverter.convert(
                                arrayColumn("timestamp"),
                                Arrays.asList(1705303812345L, null),
                                arrayOfMillis);

        assertThat(a.getTimestamp(0, 6).toLocalDateTime())
                .isEqualTo(LocalDateTime.parse("2024-01-15T07:30:12.345"));
        assertThat(a.isNullAt(1)).isTrue();
    }

    @Test
    void listOfBytesAndUuids() {
        ArrayData bytes =
                (ArrayData)
                        convert(
                                arrayColumn("bytea"),
                                Arrays.asList(
                                        ByteBuffer.wrap(new byte[] {0x00, (byte) 0xff}), null));
        ArrayData uuids =
                (ArrayData)
                        convert(
                                arrayColumn("uuid"),
                                List.of("00112233-4455-6677-8899-aabbccddeeff"));

        assertThat(bytes.getBinary(0)).containsExactly(0x00, 0xff);
        assertThat(bytes.isNullAt(1)).isTrue();
        assertThat(HexFormat.of().formatHex(uuids.getBinary(0)))
                .isEqualTo("00112233445566778899aabbccddeeff");
    }

    @Test
    void listOfDecimalsIsPaddedToTheElementScale() {
        ColumnMapping m =
                TypeMapping.map(
                        "public.t",
                        new PgColumn("c", "numeric", 'b', ((10 << 16) | 2) + 4, true, false));

        ArrayData a = (ArrayData) convert(m, List.of("1.5", "-2"));

        assertThat(a.getDecimal(0, 10, 2).toBigDecimal()).isEqualTo(new BigDecimal("1.50"));
        assertThat(a.getDecimal(1, 10, 2).toBigDecimal()).isEqualTo(new BigDecimal("-2.00"));
    }

    @Test
    void toastPlaceholderInsideATextArrayIsRefused() {
        assertThatThrownBy(
                        () -> convert(arrayColumn("text"), List.of("__debezium_unavailable_value")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("REPLICA IDENTITY FULL");
    }
}
