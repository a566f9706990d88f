package io.permafrost.cli;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.delete.ProvenDelete;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.job.ArchivePlan;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.SourceConnections;
import io.permafrost.verify.ArchiveCatalogView;
import io.permafrost.verify.CommittedWindow;
import io.permafrost.verify.Notifier;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        description = {
            "Deletes VERIFIED windows older than the retention from PostgreSQL, each in one",
            "transaction that deletes the rows RETURNING them, recomputes their count and fingerprint",
            "and commits only if both equal the manifest's; otherwise it rolls back and marks the",
            "window FAILED. A window that is exactly one partition is detached, proven, then dropped",
            "(delete.partitions: detach keeps it). Windows that are not VERIFIED are never touched.",
            "Exit code 1 when any window was refused."
        })
final class DeleteCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Option(
            names = {"-t", "--table"},
            paramLabel = "T",
            description = "Only this table.")
    String table;

    @Option(
            names = "--older-than",
            paramLabel = "DURATION",
            description =
                    "Only windows that ended at least this long ago (e.g. 30d; an integer for range windows); overrides tables[].retention.")
    String olderThan;

    @Option(
            names = "--dry-run",
            description = "Print what would be deleted (windows, rows); change nothing.")
    boolean dryRun;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.load();
        List<ArchiveTable> tables = ArchivePlan.existingArchive(cfg);
        ManifestStore store = new ManifestStore(cfg.warehouse());
        Notifier notifier = new Notifier(cfg.verify().webhookUrl());
        PrintWriter out = spec.commandLine().getOut();
        int refused = 0;
        int windows = 0;
        long rows = 0;
        out.printf("%-28s %-34s %-9s %10s  %s%n", "TABLE", "WINDOW", "STATE", "ROWS", "NOTE");
        Catalog catalog = CatalogSpec.of(cfg.catalog()).open();
        try (Connection conn = SourceConnections.open(cfg.source())) {
            for (ArchiveTable t : tables) {
                if (table != null && !t.id().matches(table)) {
                    continue;
                }
                Map<String, CommittedWindow> committed =
                        ArchiveCatalogView.windows(
                                t, catalog.loadTable(ArchiveTables.identifier(t.id())));
                long limit = limit(conn, t);
                ProvenDelete deleter =
                        new ProvenDelete(
                                t, conn, store, notifier, cfg.delete().partitions().equals("drop"));
                List<WindowManifest> due =
                        store.list(t.id().toString()).stream()
                                .filter(
                                        m ->
                                                m.state() == WindowState.VERIFIED
                                                        || m.state() == WindowState.DELETING)
                                .filter(m -> m.windowEnd() <= limit)
                                .sorted(Comparator.comparingLong(WindowManifest::windowStart))
                                .toList();
                for (WindowManifest m : due) {
                    String stale = staleProof(t, m, committed.get(m.window()));
                    if (stale != null) {
                        out.printf(
                                "%-28s %-34s %-9s %10d  %s%n",
                                t.id(),
                                m.window(),
                                m.state(),
                                m.rows(),
                                "not deleted: " + stale + "; run 'permafrost verify'");
                        continue;
                    }
                    ProvenDelete.Outcome o = dryRun ? deleter.dryRun(m) : deleter.delete(m);
                    out.printf(
                            "%-28s %-34s %-9s %10d  %s%n",
                            o.table(), o.window(), o.state(), o.rows(), o.note());
                    windows++;
                    if (o.state() == WindowState.FAILED) {
                        refused++;
                    } else {
                        rows += o.rows();
                    }
                }
            }
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
        out.printf(
                "%d window(s)%s: %d rows%s%n",
                windows,
                dryRun ? " would be deleted" : " deleted",
                rows,
                refused > 0 ? ", " + refused + " refused" : "");
        out.flush();
        return refused > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    /** Why a VERIFIED window's proof no longer holds and it is verified again first, or null. */
    private static String staleProof(ArchiveTable t, WindowManifest m, CommittedWindow now) {
        if (m.state() != WindowState.VERIFIED) {
            return null;
        }
        if (now == null || !now.snapshotIds().equals(m.snapshotIds())) {
            // an amendment, or a compaction whose reset a crash cut short
            return "the archive changed since it was verified";
        }
        if (!m.coversColumns(t.retiredColumns())) {
            // the rows to delete cannot show the columns the fingerprint holds
            return "verified with column(s) the table no longer has " + t.retiredColumns();
        }
        return null;
    }

    /** Windows ending at or before this value are past retention. */
    private long limit(Connection conn, ArchiveTable t) throws Exception {
        if (t.window() instanceof WindowSpec.Time) {
            long retention = olderThan == null ? t.config().retention() : parseDuration(olderThan);
            return Instant.now().toEpochMilli() * 1000 - retention;
        }
        long retention =
                olderThan == null ? t.config().retention() : Long.parseLong(olderThan.trim());
        try (Statement s = conn.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT max(\""
                                        + t.window().column()
                                        + "\") FROM "
                                        + t.id().quoted())) {
            rs.next();
            long max = rs.getLong(1);
            return rs.wasNull() ? Long.MIN_VALUE : max + 1 - retention;
        }
    }

    static long parseDuration(String text) {
        return io.permafrost.config.ConfigLoader.parseDuration("--older-than", text).toNanos()
                / 1000;
    }
}
