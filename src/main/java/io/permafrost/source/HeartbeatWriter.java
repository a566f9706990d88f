package io.permafrost.source;

import io.permafrost.config.PermafrostConfig;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the commit-time frontier moving on a quiet database: every heartbeat interval it updates
 * the slot's {@link HeartbeatTable}, and the change arrives through the slot like any other.
 *
 * <p>Permafrost writes the heartbeat itself instead of using Debezium's {@code
 * heartbeat.action.query}: Debezium runs that query only while it streams, and after a start it
 * first waits for a WAL message to find its resume position, so on a quiet database neither would
 * ever happen. A failed write is logged and retried at the next beat.
 */
public final class HeartbeatWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatWriter.class);

    /** What a running job needs to start the writer where it runs. */
    public record Spec(PermafrostConfig.Source source, String slot, HeartbeatTable table)
            implements Serializable {}

    private final Spec spec;
    private final ScheduledExecutorService timer;
    private Connection connection;
    private volatile long retainedWalBytes = -1;
    private boolean warned;

    private HeartbeatWriter(Spec spec) {
        this.spec = spec;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "permafrost-heartbeat-" + spec.slot());
                            t.setDaemon(true);
                            return t;
                        });
    }

    public static HeartbeatWriter start(Spec spec) {
        HeartbeatWriter w = new HeartbeatWriter(spec);
        long ms = Math.max(100, spec.source().heartbeatInterval().toMillis());
        w.timer.scheduleWithFixedDelay(w::beat, 0, ms, TimeUnit.MILLISECONDS);
        return w;
    }

    private void beat() {
        try {
            if (connection == null || connection.isClosed()) {
                connection = SourceConnections.open(spec.source());
            }
            try (PreparedStatement st =
                    connection.prepareStatement(
                            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
                st.setString(1, spec.slot());
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    retainedWalBytes = rs.next() ? rs.getLong(1) : -1;
                }
            }
            try (PreparedStatement st = connection.prepareStatement(spec.table().upsert())) {
                st.executeUpdate();
            }
            warned = false;
        } catch (SQLException | RuntimeException e) {
            if (!warned) {
                LOG.warn(
                        "Heartbeat for slot {} failed (retrying every interval): {}",
                        spec.slot(),
                        e.getMessage());
                warned = true;
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        connection = null;
    }

    /**
     * WAL bytes the slot makes PostgreSQL keep (current LSN minus the slot's restart LSN), as of
     * the last beat; -1 when unknown. The classic way these pipelines fill a disk.
     */
    public long retainedWalBytes() {
        return retainedWalBytes;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
