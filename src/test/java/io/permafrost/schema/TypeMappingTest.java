package io.permafrost.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TypeMappingTest {

    private static final String TABLE = "public.t";

    /** A column {@code c} of a base type with no typmod. */
    private static ColumnMapping map(String type) {
        return TypeMapping.map(TABLE, new PgColumn("c", type, 'b', -1, false, false));
    }

    private static ColumnMapping map(String type, int typmod) {
        return TypeMapping.map(TABLE, new PgColumn("c", type, 'b', typmod, false, false));
    }

    private static ColumnMapping mapArray(String elementType, int typmod) {
        return TypeMapping.map(TABLE, new PgColumn("c", elementType, 'b', typmod, true, false));
    }

    /** atttypmod of numeric(p,s). */
    private static int numericTypmod(int precision, int scale) {
        return ((precision << 16) | scale) + 4;
    }

    private static void assertMapping(ColumnMapping m, Type iceberg, ValueKind kind) {
        assertThat(m.icebergType()).isEqualTo(iceberg);
        assertThat(m.kind()).isEqualTo(kind);
        assertThat(m.element()).isNull();
    }

    @Test
    void scalarTypes() {
        assertMapping(map("bool"), Types.BooleanType.get(), ValueKind.BOOLEAN);
        assertMapping(map("int2"), Types.IntegerType.get(), ValueKind.SHORT);
        assertMapping(map("int4"), Types.IntegerType.get(), ValueKind.INT);
        assertMapping(map("int8"), Types.LongType.get(), ValueKind.LONG);
        assertMapping(map("float4"), Types.FloatType.get(), ValueKind.FLOAT);
        assertMapping(map("float8"), Types.DoubleType.get(), ValueKind.DOUBLE);
        assertMapping(map("bytea"), Types.BinaryType.get(), ValueKind.BINARY);
        assertMapping(map("uuid"), Types.UUIDType.get(), ValueKind.UUID);
        assertMapping(map("date"), Types.DateType.get(), ValueKind.DATE);
        assertMapping(map("timestamp"), Types.TimestampType.withoutZone(), ValueKind.TIMESTAMP);
        assertMapping(map("timestamptz"), Types.TimestampType.withZone(), ValueKind.TIMESTAMPTZ);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "text",
                "varchar",
                "bpchar",
                "name",
                "json",
                "jsonb",
                "xml",
                "citext",
                "inet",
                "cidr",
                "macaddr",
                "macaddr8",
                "interval"
            })
    void textLikeTypesMapToString(String type) {
        assertMapping(map(type), Types.StringType.get(), ValueKind.STRING);
    }

    @Test
    void enumMapsToString() {
        ColumnMapping m =
                TypeMapping.map(TABLE, new PgColumn("mood", "mood", 'e', -1, false, true));

        assertMapping(m, Types.StringType.get(), ValueKind.STRING);
    }

    @Test
    void numericWithPrecisionAndScaleIsADecimal() {
        ColumnMapping m = map("numeric", numericTypmod(10, 2));

        assertMapping(m, Types.DecimalType.of(10, 2), ValueKind.DECIMAL);
        assertThat(m.precision()).isEqualTo(10);
        assertThat(m.scale()).isEqualTo(2);
    }

    @Test
    void numericTypmodEncoding() {
        // numeric(10,2) as PostgreSQL stores it in pg_attribute.atttypmod
        assertThat(numericTypmod(10, 2)).isEqualTo(655366);
        assertMapping(map("numeric", 655366), Types.DecimalType.of(10, 2), ValueKind.DECIMAL);
    }

    @Test
    void numericAtTheDecimalLimits() {
        assertMapping(
                map("numeric", numericTypmod(38, 0)),
                Types.DecimalType.of(38, 0),
                ValueKind.DECIMAL);
        assertMapping(
                map("numeric", numericTypmod(38, 38)),
                Types.DecimalType.of(38, 38),
                ValueKind.DECIMAL);
        assertMapping(
                map("numeric", numericTypmod(1, 0)), Types.DecimalType.of(1, 0), ValueKind.DECIMAL);
    }

    @Test
    void unconstrainedNumericIsExactText() {
        assertMapping(map("numeric", -1), Types.StringType.get(), ValueKind.NUMERIC_TEXT);
    }

    @Test
    void numericWiderThan38DigitsIsExactText() {
        assertMapping(
                map("numeric", numericTypmod(39, 2)),
                Types.StringType.get(),
                ValueKind.NUMERIC_TEXT);
        assertMapping(
                map("numeric", numericTypmod(1000, 0)),
                Types.StringType.get(),
                ValueKind.NUMERIC_TEXT);
    }

    @Test
    void timeWithMillisecondPrecisionIsATime() {
        assertMapping(map("time", 3), Types.TimeType.get(), ValueKind.TIME_MILLIS);
        assertMapping(map("time", 0), Types.TimeType.get(), ValueKind.TIME_MILLIS);
    }

    @Test
    void timeWithMicrosecondPrecisionIsATimeOfMicroseconds() {
        assertMapping(map("time", -1), Types.TimeType.get(), ValueKind.TIME_MICROS);
        assertMapping(map("time", 6), Types.TimeType.get(), ValueKind.TIME_MICROS);
        assertMapping(map("time", 4), Types.TimeType.get(), ValueKind.TIME_MICROS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"money", "point", "timetz", "tsvector", "bit", "int4range"})
    void unsupportedScalarTypesAreRefused(String type) {
        assertThatThrownBy(() -> map(type))
                .isInstanceOf(UnsupportedTypeException.class)
                .hasMessageStartingWith("column public.t.c has type " + type + ",")
                .hasMessageContaining("cannot archive losslessly")
                .hasMessageContaining("Fix:");
    }

    @Test
    void arrayOfIntegersIsAListOfIntegers() {
        ColumnMapping m = mapArray("int4", -1);

        assertThat(m.kind()).isEqualTo(ValueKind.LIST);
        assertThat(m.icebergType().isListType()).isTrue();
        assertThat(m.icebergType().asListType().elementType()).isEqualTo(Types.IntegerType.get());
        assertThat(m.icebergType().asListType().isElementOptional()).isTrue();
        assertThat(m.element().kind()).isEqualTo(ValueKind.INT);
        assertThat(m.element().column().array()).isFalse();
    }

    @Test
    void arrayElementsMapLikeScalars() {
        assertElement(mapArray("numeric", numericTypmod(12, 4)), Types.DecimalType.of(12, 4));
        assertThat(mapArray("numeric", numericTypmod(12, 4)).element().kind())
                .isEqualTo(ValueKind.DECIMAL);
        assertElement(mapArray("numeric", -1), Types.StringType.get());
        assertElement(mapArray("text", -1), Types.StringType.get());
        assertElement(mapArray("bytea", -1), Types.BinaryType.get());
        assertElement(mapArray("uuid", -1), Types.UUIDType.get());
        assertElement(mapArray("timestamptz", -1), Types.TimestampType.withZone());
        assertElement(mapArray("timestamp", -1), Types.TimestampType.withoutZone());
        assertElement(mapArray("date", -1), Types.DateType.get());
        assertElement(mapArray("bool", -1), Types.BooleanType.get());
        assertElement(mapArray("int8", -1), Types.LongType.get());
        assertElement(mapArray("float8", -1), Types.DoubleType.get());
        assertElement(mapArray("jsonb", -1), Types.StringType.get());
        assertElement(mapArray("inet", -1), Types.StringType.get());
    }

    private static void assertElement(ColumnMapping m, Type element) {
        assertThat(m.kind()).isEqualTo(ValueKind.LIST);
        assertThat(m.icebergType().asListType().elementType()).isEqualTo(element);
        assertThat(m.element().icebergType()).isEqualTo(element);
    }

    @ParameterizedTest
    @ValueSource(strings = {"time", "interval", "money", "xml", "name", "citext", "point"})
    void arraysOfUnsupportedElementTypesAreRefused(String element) {
        assertThatThrownBy(() -> mapArray(element, -1))
                .isInstanceOf(UnsupportedTypeException.class)
                .hasMessageStartingWith("column public.t.c has type " + element + "[]")
                .hasMessageContaining("arrays of " + element + " cannot be read")
                .hasMessageContaining("Fix:");
    }

    @Test
    void arraysOfEnumsAreRefused() {
        assertThatThrownBy(
                        () ->
                                TypeMapping.map(
                                        TABLE, new PgColumn("moods", "mood", 'e', -1, true, false)))
                .isInstanceOf(UnsupportedTypeException.class)
                .hasMessageStartingWith("column public.t.moods has type mood[]");
    }
}
