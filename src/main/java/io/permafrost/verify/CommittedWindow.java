package io.permafrost.verify;

import java.io.Serializable;
import java.util.List;

/**
 * A window as the Iceberg table records it: the snapshots that committed its files (oldest first)
 * and when the first one was made.
 */
public record CommittedWindow(
        String table, String window, List<Long> snapshotIds, long committedAtMillis)
        implements Serializable {

    public long latestSnapshotId() {
        return snapshotIds.get(snapshotIds.size() - 1);
    }
}
