package io.permafrost.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the logical replication slot of a continuous run, with the snapshot it exports. */
public final class ReplicationSlots {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlots.class);

    /**
     * How long a slot may stay in use by a connection of a failed attempt: longer than PostgreSQL's
     * default {@code wal_sender_timeout} (60 s), after which it ends such a connection.
     */
    private static final long INACTIVE_WAIT_MILLIS = 90_000;

    private ReplicationSlots() {}

    /**
     * A slot as created.
     *
     * @param consistentPointText the LSN from which it streams what {@code snapshot} does not see
     * @param snapshot the exported snapshot: valid while the creating connection stays idle
     */
    public record Created(String consistentPointText, long consistentPoint, String snapshot) {}

    /**
     * Creates {@code slot} for {@code pgoutput} on a replication connection and exports its
     * snapshot; the connection must then stay idle until the snapshot is read.
     */
    public static Created create(Connection replication, String slot) throws SQLException {
        try (Statement st = replication.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "CREATE_REPLICATION_SLOT \""
                                        + slot.replace("\"", "\"\"")
                                        + "\" LOGICAL pgoutput EXPORT_SNAPSHOT")) {
            rs.next();
            String point = rs.getString("consistent_point");
            return new Created(point, Lsn.parse(point), rs.getString("snapshot_name"));
        }
    }

    /**
     * Drops {@code slot} if an earlier start of this run left it: a run that starts without a
     * checkpoint reads a new snapshot, and only a slot created with that snapshot streams exactly
     * what the snapshot does not hold. Waits for a closing connection of an earlier attempt to let
     * go of it; fails if another process keeps streaming it.
     */
    public static void dropLeftover(Connection c, String slot) throws SQLException {
        if (!awaitInactive(c, slot)) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            st.setString(1, slot);
            st.execute();
        }
        LOG.warn(
                "Dropped replication slot {} left by an earlier start: this run starts"
                        + " without a checkpoint, so it reads a new snapshot with a new slot",
                slot);
    }

    /**
     * Waits until no connection streams {@code slot}: after a failure the WAL sender of the failed
     * attempt can hold it until PostgreSQL notices (at most {@code wal_sender_timeout}, 60 s by
     * default). Returns whether the slot exists; fails if it stays in use.
     */
    public static boolean awaitInactive(Connection c, String slot) throws SQLException {
        long deadline = System.currentTimeMillis() + INACTIVE_WAIT_MILLIS;
        while (true) {
            Boolean active = active(c, slot);
            if (active == null || !active) {
                return active != null;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "replication slot "
                                + slot
                                + " is in use by another connection (pg_replication_slots.active_pid);"
                                + " is another Permafrost job running with source.slot = "
                                + slot
                                + "? Stop it, or give this job another slot");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for slot " + slot, e);
            }
        }
    }

    /** Whether the slot is in use; null when there is no such slot. */
    private static Boolean active(Connection c, String slot) throws SQLException {
        try (PreparedStatement st =
                c.prepareStatement(
                        "SELECT active FROM pg_replication_slots WHERE slot_name = ?"
                                + " AND database = current_database()")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }
}
