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
    TIME_MILLIS,
    TIMESTAMP,
    TIMESTAMPTZ,
    LIST
}
