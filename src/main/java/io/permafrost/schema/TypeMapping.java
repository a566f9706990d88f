package io.permafrost.schema;

import java.util.Set;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The documented PostgreSQL → Iceberg type table (docs/types.md). Anything not listed here is
 * refused at start: a type that cannot be archived losslessly is never turned into a silent string.
 */
public final class TypeMapping {

    /** Iceberg decimals hold at most 38 digits. */
    static final int MAX_DECIMAL_PRECISION = 38;

    private static final Set<String> TEXT_TYPES =
            Set.of(
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
                    "interval");

    /** Element types of one-dimensional arrays that the CDC decoder reads exactly. */
    private static final Set<String> ARRAY_ELEMENTS =
            Set.of(
                    "bool",
                    "int2",
                    "int4",
                    "int8",
                    "float4",
                    "float8",
                    "numeric",
                    "text",
                    "varchar",
                    "bpchar",
                    "bytea",
                    "uuid",
                    "date",
                    "timestamp",
                    "timestamptz",
                    "json",
                    "jsonb",
                    "inet",
                    "cidr",
                    "macaddr",
                    "macaddr8");

    /** The fix every refusal offers besides changing the type. */
    private static final String LEAVE_OUT =
            "leave the column out of the archive: list it in the table's exclude_columns";

    private TypeMapping() {}

    /** Maps a column, or throws {@link UnsupportedTypeException} naming the column and the fix. */
    public static ColumnMapping map(String table, PgColumn c) {
        if (c.array()) {
            if (!ARRAY_ELEMENTS.contains(c.typeName())) {
                throw new UnsupportedTypeException(
                        "column "
                                + table
                                + "."
                                + c.name()
                                + " has type "
                                + c.displayType()
                                + ": arrays of "
                                + c.typeName()
                                + " cannot be read from the WAL "
                                + "losslessly (supported element types: "
                                + new java.util.TreeSet<>(ARRAY_ELEMENTS)
                                + "). Fix: change the column's type, or "
                                + LEAVE_OUT);
            }
            PgColumn elementColumn =
                    new PgColumn(c.name(), c.typeName(), c.typeKind(), c.typmod(), false, false);
            ColumnMapping element = scalar(table, elementColumn);
            // Element ids are placeholders; the catalog assigns real ids when it creates the table.
            return new ColumnMapping(
                    c,
                    Types.ListType.ofOptional(0, element.icebergType()),
                    ValueKind.LIST,
                    0,
                    0,
                    element);
        }
        return scalar(table, c);
    }

    private static ColumnMapping scalar(String table, PgColumn c) {
        if (c.typeKind() == 'e') {
            return simple(c, Types.StringType.get(), ValueKind.STRING);
        }
        String t = c.typeName();
        if (TEXT_TYPES.contains(t)) {
            return simple(c, Types.StringType.get(), ValueKind.STRING);
        }
        return switch (t) {
            case "bool" -> simple(c, Types.BooleanType.get(), ValueKind.BOOLEAN);
            case "int2" -> simple(c, Types.IntegerType.get(), ValueKind.SHORT);
            case "int4" -> simple(c, Types.IntegerType.get(), ValueKind.INT);
            case "int8" -> simple(c, Types.LongType.get(), ValueKind.LONG);
            case "float4" -> simple(c, Types.FloatType.get(), ValueKind.FLOAT);
            case "float8" -> simple(c, Types.DoubleType.get(), ValueKind.DOUBLE);
            case "numeric" -> numeric(c);
            case "bytea" -> simple(c, Types.BinaryType.get(), ValueKind.BINARY);
            case "uuid" -> simple(c, Types.UUIDType.get(), ValueKind.UUID);
            case "date" -> simple(c, Types.DateType.get(), ValueKind.DATE);
            case "time" ->
                    simple(
                            c,
                            Types.TimeType.get(),
                            timePrecision(c) > 3 ? ValueKind.TIME_MICROS : ValueKind.TIME_MILLIS);
            case "timestamp" -> simple(c, Types.TimestampType.withoutZone(), ValueKind.TIMESTAMP);
            case "timestamptz" -> simple(c, Types.TimestampType.withZone(), ValueKind.TIMESTAMPTZ);
            default ->
                    throw new UnsupportedTypeException(
                            "column "
                                    + table
                                    + "."
                                    + c.name()
                                    + " has type "
                                    + c.displayType()
                                    + ", which Permafrost cannot archive losslessly (supported types: "
                                    + "docs/types.md). Fix: change the column's type, or "
                                    + LEAVE_OUT);
        };
    }

    private static ColumnMapping numeric(PgColumn c) {
        if (c.typmod() < 0) {
            return simple(c, Types.StringType.get(), ValueKind.NUMERIC_TEXT);
        }
        int precision = ((c.typmod() - 4) >> 16) & 0xffff;
        int scale = (c.typmod() - 4) & 0xffff;
        if (precision > MAX_DECIMAL_PRECISION || scale > precision) {
            return simple(c, Types.StringType.get(), ValueKind.NUMERIC_TEXT);
        }
        return new ColumnMapping(
                c,
                Types.DecimalType.of(precision, scale),
                ValueKind.DECIMAL,
                precision,
                scale,
                null);
    }

    /** time(p): typmod is p, or -1 for the default precision of 6. */
    private static int timePrecision(PgColumn c) {
        return c.typmod() < 0 ? 6 : c.typmod();
    }

    /** What a retired column's {@link PgColumn#typeName} says, in messages. */
    public static final String NO_LONGER_IN_SOURCE = "(no longer in the source table)";

    /**
     * The mapping of an archived column that the source table no longer has, from its Iceberg
     * field: values are only ever null, so the kind is the one that writes and compacts the
     * column's archived values without loss (a time as microseconds).
     */
    public static ColumnMapping retired(Types.NestedField field) {
        Type type = field.type();
        boolean list = type.isListType();
        PgColumn c = new PgColumn(field.name(), NO_LONGER_IN_SOURCE, 'b', -1, list, false);
        if (list) {
            Type elementType = type.asListType().elementType();
            ColumnMapping element = retiredScalar(c, elementType);
            return new ColumnMapping(c, type, ValueKind.LIST, 0, 0, element, true);
        }
        return retiredScalar(c, type);
    }

    private static ColumnMapping retiredScalar(PgColumn c, Type type) {
        ValueKind kind =
                switch (type.typeId()) {
                    case BOOLEAN -> ValueKind.BOOLEAN;
                    case INTEGER -> ValueKind.INT;
                    case LONG -> ValueKind.LONG;
                    case FLOAT -> ValueKind.FLOAT;
                    case DOUBLE -> ValueKind.DOUBLE;
                    case DECIMAL -> ValueKind.DECIMAL;
                    case STRING -> ValueKind.STRING;
                    case BINARY, FIXED -> ValueKind.BINARY;
                    case UUID -> ValueKind.UUID;
                    case DATE -> ValueKind.DATE;
                    case TIME -> ValueKind.TIME_MICROS;
                    case TIMESTAMP ->
                            ((Types.TimestampType) type).shouldAdjustToUTC()
                                    ? ValueKind.TIMESTAMPTZ
                                    : ValueKind.TIMESTAMP;
                    default ->
                            throw new IllegalStateException(
                                    "archived column " + c.name() + " has Iceberg type " + type);
                };
        int precision = kind == ValueKind.DECIMAL ? ((Types.DecimalType) type).precision() : 0;
        int scale = kind == ValueKind.DECIMAL ? ((Types.DecimalType) type).scale() : 0;
        return new ColumnMapping(c, type, kind, precision, scale, null, true);
    }

    private static ColumnMapping simple(PgColumn c, Type type, ValueKind kind) {
        return new ColumnMapping(c, type, kind, 0, 0, null);
    }
}
