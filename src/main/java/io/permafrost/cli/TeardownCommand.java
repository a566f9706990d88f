package io.permafrost.cli;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.source.HeartbeatTable;
import io.permafrost.source.PreflightException;
import io.permafrost.source.SourceConnections;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "teardown",
        mixinStandardHelpOptions = true,
        description = {
            "Drops the replication slot(s), their heartbeat tables and the publication of this",
            "configuration, so PostgreSQL stops retaining WAL for Permafrost. The archive is not",
            "touched. Refuses while a slot is in use by a running job. A later 'run' starts with a",
            "new snapshot."
        })
final class TeardownCommand implements java.util.concurrent.Callable<Integer> {

    @Mixin ConfigOption config;

    @Option(names = "--dry-run", description = "Print what would be dropped; change nothing.")
    boolean dryRun;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.loadWithoutStorage();
        PrintWriter out = spec.commandLine().getOut();
        String slot = cfg.source().slot();
        try (Connection conn = SourceConnections.open(cfg.source())) {
            List<String> slots = new ArrayList<>();
            try (PreparedStatement st =
                    conn.prepareStatement(
                            "SELECT slot_name, active FROM pg_replication_slots WHERE database = current_database() "
                                    + "AND (slot_name = ? OR slot_name ~ ?)")) {
                st.setString(1, slot);
                st.setString(2, "^" + slot + "_[0-9]+$");
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(2)) {
                            throw new PreflightException(
                                    1,
                                    "replication slot "
                                            + rs.getString(1)
                                            + " is in use by a running job. "
                                            + "Fix: stop the 'permafrost run' job first");
                        }
                        slots.add(rs.getString(1));
                    }
                }
            }
            for (String s : slots) {
                out.println(
                        (dryRun ? "would drop" : "dropping")
                                + " replication slot "
                                + s
                                + " and its heartbeat table "
                                + HeartbeatTable.forSlot(s, null).id());
                if (!dryRun) {
                    try (PreparedStatement st =
                            conn.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                        st.setString(1, s);
                        st.execute();
                    }
                    try (Statement st = conn.createStatement()) {
                        st.execute(
                                "DROP TABLE IF EXISTS "
                                        + HeartbeatTable.forSlot(s, null).id().quoted());
                    }
                }
            }
            List<String> orphans = heartbeatTablesWithoutSlot(conn, slot, slots);
            for (String table : orphans) {
                out.println(
                        (dryRun ? "would drop" : "dropping")
                                + " heartbeat table public."
                                + table
                                + " (it has no replication slot)");
                if (!dryRun) {
                    try (Statement st = conn.createStatement()) {
                        st.execute("DROP TABLE IF EXISTS public.\"" + table + "\"");
                    }
                }
            }
            boolean pubExists;
            try (PreparedStatement st =
                    conn.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                st.setString(1, cfg.source().publication());
                try (ResultSet rs = st.executeQuery()) {
                    pubExists = rs.next();
                }
            }
            if (pubExists) {
                out.println(
                        (dryRun ? "would drop" : "dropping")
                                + " publication "
                                + cfg.source().publication());
                if (!dryRun) {
                    try (Statement s = conn.createStatement()) {
                        s.execute("DROP PUBLICATION \"" + cfg.source().publication() + "\"");
                    }
                }
            }
            if (slots.isEmpty() && orphans.isEmpty() && !pubExists) {
                out.println(
                        "nothing to drop: no slot "
                                + slot
                                + " and no publication "
                                + cfg.source().publication());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Heartbeat tables of this config's slots ({@code slot}, {@code slot_2}, ...) whose slot does
     * not exist: an earlier version's backfill created them although it read without a slot.
     */
    private static List<String> heartbeatTablesWithoutSlot(
            Connection conn, String slot, List<String> slots) throws java.sql.SQLException {
        List<String> withSlot = new ArrayList<>();
        slots.forEach(s -> withSlot.add(HeartbeatTable.forSlot(s, null).id().table()));
        List<String> out = new ArrayList<>();
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                                + " AND (tablename = ? OR tablename ~ ?) ORDER BY tablename")) {
            st.setString(1, HeartbeatTable.forSlot(slot, null).id().table());
            st.setString(2, "^" + HeartbeatTable.PREFIX + slot + "_[0-9]+$");
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!withSlot.contains(rs.getString(1))) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }
}
