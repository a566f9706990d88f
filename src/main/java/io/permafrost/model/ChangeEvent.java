package io.permafrost.model;

import java.io.Serializable;
import org.apache.flink.table.data.RowData;

/**
 * One event read from PostgreSQL: an archived row of table number {@code table} (its values, then
 * {@code _op}, {@code _lsn}, {@code _commit_ts}), or a heartbeat that only says "the database's
 * commit clock reached {@code commitMicros}".
 */
public record ChangeEvent(int table, RowData row, long commitMicros) implements Serializable {

    public static final int HEARTBEAT = -1;

    public static ChangeEvent heartbeat(long commitMicros) {
        return new ChangeEvent(HEARTBEAT, null, commitMicros);
    }

    public boolean isHeartbeat() {
        return table == HEARTBEAT;
    }
}
