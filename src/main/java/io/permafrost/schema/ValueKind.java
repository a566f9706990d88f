package io.permafrost.schema;

/**
 * How a PostgreSQL value, as decoded by Debezium, becomes a Flink internal value of the archived
 * column. Chosen once per column from the PostgreSQL type (see {@link TypeMapping}).
 */
public enum ValueKind {
    BOOLEAN,
    SHORT,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    DECIMAL,
    /** numeric without a usable precision: its exact decimal text. */
    NUMERIC_TEXT,
    STRING,
    BINARY,
    UUID,
    DATE,
    /** time(0) to time(3): Flink's TIME, an int of milliseconds of the day. */
    TIME_MILLIS,
    /**
     * time(4) to time(6) and time: a long of microseconds of the day (Flink BIGINT), since Flink's
     * TIME holds milliseconds only; see {@link ArchiveTable#rowType()}.
     */
    TIME_MICROS,
    TIMESTAMP,
    TIMESTAMPTZ,
    LIST
}
