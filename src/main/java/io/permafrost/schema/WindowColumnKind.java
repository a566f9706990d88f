package io.permafrost.schema;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;

/**
 * How the window column's value is read from a row and normalized: microseconds since the epoch for
 * time columns, the integer itself for range columns.
 */
public enum WindowColumnKind {
    TIMESTAMP,
    DATE,
    SHORT,
    INT,
    LONG;

    static final long DAY_MICROS = 86_400_000_000L;

    /** The normalized value of the window column at {@code pos}; the row must not be null there. */
    public long read(RowData row, int pos) {
        return switch (this) {
            case TIMESTAMP -> micros(row.getTimestamp(pos, 6));
            case DATE -> row.getInt(pos) * DAY_MICROS;
            case SHORT, INT -> row.getInt(pos);
            case LONG -> row.getLong(pos);
        };
    }

    public static long micros(TimestampData ts) {
        return Math.multiplyExact(ts.getMillisecond(), 1000L) + ts.getNanoOfMillisecond() / 1000;
    }
}
