package io.permafrost.iceberg;

import io.permafrost.model.TableId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per archived table in this JVM, held around each Iceberg commit to it. The window
 * committer and its compaction thread commit to the same table; without the lock each one's commit
 * fails its metadata swap whenever the other's lands first, and a few compactions in a row could
 * outlast Iceberg's retries of a window commit (seen on S3 with a JDBC catalog). Writers in other
 * processes (a replay) are still met by Iceberg's optimistic retries.
 */
public final class TableCommitLock {

    private static final ConcurrentMap<TableId, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private TableCommitLock() {}

    public static ReentrantLock of(TableId table) {
        return LOCKS.computeIfAbsent(
                table, t -> new ReentrantLock(true)); // fair: no writer starves
    }

    /** Runs {@code commit} (an Iceberg commit to {@code table}) holding the table's lock. */
    public static void commit(TableId table, Runnable commit) {
        ReentrantLock lock = of(table);
        lock.lock();
        try {
            commit.run();
        } finally {
            lock.unlock();
        }
    }
}
