package io.permafrost.delete;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.verify.Notifier;
import io.permafrost.verify.RowHasher;
import io.permafrost.verify.RowKeys;
import io.permafrost.verify.SourceSide;
import io.permafrost.verify.WindowDigest;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a VERIFIED window from PostgreSQL only with proof: in one transaction the rows are
 * deleted {@code RETURNING} their values, their count and fingerprint are computed by the same code
 * that verified the window, and the transaction commits only if both equal the manifest's.
 * Otherwise it rolls back, the window becomes FAILED with the evidence, and the webhook is told. A
 * window that is exactly one partition of a partitioned table is detached instead, proven the same
 * way, then dropped (or kept detached).
 *
 * <p>The deletes never enter the archive: Permafrost does not archive deletes, and a dropped
 * partition produces no row changes at all. The transaction also writes a logical decoding message
 * ({@code permafrost.delete}) so that WAL readers can tell these deletes apart.
 */
public final class ProvenDelete {

    private static final Logger LOG = LoggerFactory.getLogger(ProvenDelete.class);

    /** What happened to one window. */
    public record Outcome(String table, String window, WindowState state, long rows, String note)
            implements Serializable {}

    private final ArchiveTable table;
    private final Connection conn;
    private final ManifestStore store;
    private final Notifier notifier;
    private final boolean dropPartitions;

    public ProvenDelete(
            ArchiveTable table,
            Connection conn,
            ManifestStore store,
            Notifier notifier,
            boolean dropPartitions) {
        this.table = table;
        this.conn = conn;
        this.store = store;
        this.notifier = notifier;
        this.dropPartitions = dropPartitions;
    }

    /** Shows what a delete would remove, touching nothing. */
    public Outcome dryRun(WindowManifest m) throws Exception {
        Window w = table.window().parsePath(m.window());
        Optional<String> partition = PartitionFinder.exactPartition(conn, table, w);
        long rows;
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT count(*) FROM "
                                + table.id().quoted()
                                + " WHERE "
                                + WindowBounds.sqlCondition(table))) {
            WindowBounds.bind(st, 1, table, w);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
            }
        }
        String how =
                partition
                        .map(
                                p ->
                                        (dropPartitions
                                                        ? "detach and drop partition "
                                                        : "detach partition ")
                                                + p)
                        .orElse("delete rows");
        return new Outcome(
                m.table(),
                m.window(),
                m.state(),
                rows,
                "would "
                        + how
                        + ": "
                        + rows
                        + " rows in PostgreSQL, "
                        + m.rows()
                        + " proven archived");
    }

    public Outcome delete(WindowManifest verified) throws Exception {
        if (verified.state() != WindowState.VERIFIED && verified.state() != WindowState.DELETING) {
            throw new IllegalStateException(
                    "window " + verified.window() + " is " + verified.state() + ", not VERIFIED");
        }
        boolean resuming = verified.state() == WindowState.DELETING;
        WindowManifest deleting = verified.withState(WindowState.DELETING, now());
        store.write(deleting);
        Window w = table.window().parsePath(verified.window());
        boolean auto = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try {
            Optional<String> partition = PartitionFinder.exactPartition(conn, table, w);
            WindowDigest removed = new WindowDigest();
            String method;
            if (partition.isPresent()) {
                try (Statement s = conn.createStatement()) {
                    s.execute(
                            "ALTER TABLE "
                                    + table.id().quoted()
                                    + " DETACH PARTITION "
                                    + partition.get());
                }
                digest(
                        "SELECT " + SourceSide.columnList(table) + " FROM " + partition.get(),
                        null,
                        removed);
                method = dropPartitions ? "detach-drop" : "detach";
            } else {
                digest(
                        "DELETE FROM "
                                + table.id().quoted()
                                + " WHERE "
                                + WindowBounds.sqlCondition(table)
                                + " RETURNING "
                                + SourceSide.columnList(table),
                        w,
                        removed);
                method = "delete";
            }
            boolean proven =
                    removed.count() == verified.rows()
                            && removed.fingerprint().equals(verified.fingerprint());
            if (!proven && !(resuming && removed.count() == 0)) {
                conn.rollback();
                String reason =
                        "the "
                                + method
                                + " would remove "
                                + removed.count()
                                + " rows (fingerprint "
                                + removed.fingerprint()
                                + ") but the manifest proves "
                                + verified.rows()
                                + " rows (fingerprint "
                                + verified.fingerprint()
                                + "); rolled back, nothing was deleted. Were rows written into the "
                                + "window after it was verified? Run 'permafrost verify --force'";
                WindowManifest failed =
                        deleting.failed(new WindowManifest.Failure(reason, List.of()), now());
                store.write(failed);
                LOG.warn(
                        "Delete of window {} of {} refused: {}",
                        verified.window(),
                        table.id(),
                        reason);
                notifier.windowFailed(
                        failed, store.pathOf(failed.table(), failed.window()).toString());
                return new Outcome(
                        failed.table(),
                        failed.window(),
                        WindowState.FAILED,
                        removed.count(),
                        reason);
            }
            if (partition.isPresent() && dropPartitions) {
                try (Statement s = conn.createStatement()) {
                    s.execute("DROP TABLE " + partition.get());
                }
            }
            try (PreparedStatement st =
                    conn.prepareStatement(
                            "SELECT pg_logical_emit_message(true, 'permafrost.delete', ?)")) {
                st.setString(1, table.id() + " " + verified.window());
                st.execute();
            }
            conn.commit();
            WindowManifest done =
                    deleting.deleted(new WindowManifest.Deletion(method, removed.count()), now());
            store.write(done);
            LOG.info(
                    "Deleted window {} of {} from PostgreSQL ({}): {} rows, proven by fingerprint {}",
                    verified.window(),
                    table.id(),
                    method,
                    removed.count(),
                    verified.fingerprint());
            return new Outcome(
                    done.table(),
                    done.window(),
                    WindowState.DELETED,
                    removed.count(),
                    method
                            + (removed.count() == 0 && resuming
                                    ? " (had completed before an interruption)"
                                    : ""));
        } catch (Exception e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(auto);
        }
    }

    private void digest(String sql, Window w, WindowDigest into) throws Exception {
        RowHasher hasher = new RowHasher();
        try (PreparedStatement st = conn.prepareStatement(sql)) {
            st.setFetchSize(5_000);
            if (w != null) {
                WindowBounds.bind(st, 1, table, w);
            }
            try (ResultSet rs = st.executeQuery()) {
                RowKeys keyed = new RowKeys(table);
                SourceSide.consumeAll(
                        rs,
                        table,
                        row -> into.add(hasher.hash(row), keyed.key(row), keyed.windowValue(row)));
            }
        }
    }

    private static String now() {
        return Instant.now().toString();
    }
}
