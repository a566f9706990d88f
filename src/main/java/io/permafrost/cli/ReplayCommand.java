package io.permafrost.cli;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.job.ArchivePlan;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.model.WindowSpec;
import io.permafrost.replay.ReplayJob;
import io.permafrost.replay.ReplayTask;
import io.permafrost.replay.WindowExporter;
import io.permafrost.replay.WindowReplacer;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.source.PgSnapshot;
import io.permafrost.source.SourceConnections;
import io.permafrost.verify.WindowFilter;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Re-exports closed windows of one table from PostgreSQL as they are now, as a bounded",
            "Flink job, and replaces each window's archive in one Iceberg overwrite; the window's",
            "manifest goes back to COMMITTED so that 'verify' checks it again. For repair after a",
            "FAILED verification or a lost replication slot. Windows already deleted from PostgreSQL,",
            "windows still open, and windows without rows in PostgreSQL are never replaced."
        })
final class ReplayCommand implements Callable<Integer> {

    private static final int MAX_WINDOWS = 10_000;

    @Mixin ConfigOption config;

    @Option(
            names = {"-t", "--table"},
            required = true,
            paramLabel = "T",
            description = "The table (schema.table or table).")
    String table;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "W",
            description =
                    "First window: a window path, a date or timestamp (UTC), or an integer for range windows.")
    String from;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "W",
            description = "Windows starting before W (same forms as --from).")
    String to;

    @Option(
            names = "--dry-run",
            description =
                    "Print which windows would be replaced, with their row counts; change nothing.")
    boolean dryRun;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.load();
        List<ArchiveTable> tables = ArchivePlan.existingArchive(cfg);
        int index = -1;
        for (int i = 0; i < tables.size(); i++) {
            if (tables.get(i).id().matches(table)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new ConfigException(
                    "--table",
                    "'" + table + "' is not a configured table",
                    "use one of " + tables.stream().map(t -> t.id().toString()).toList());
        }
        ArchiveTable at = tables.get(index);
        WindowExporter.refuseRetiredColumns(at);
        WindowFilter filter = new WindowFilter(null, from, to);
        long fromValue = WindowFilter.bound(at, from);
        long toValue = WindowFilter.bound(at, to);
        if (toValue <= fromValue) {
            throw new ConfigException(
                    "--to",
                    "'"
                            + to
                            + "' is not after --from '"
                            + from
                            + "': replay takes the windows that start from --from and before --to",
                    "for one window give the next one as --to, e.g. --from "
                            + at.window().windowOf(fromValue).path()
                            + " --to "
                            + at.window().windowOf(at.window().windowOf(fromValue).end()).path());
        }
        ManifestStore store = new ManifestStore(cfg.warehouse());
        PrintWriter out = spec.commandLine().getOut();
        List<ReplayTask> tasks = new ArrayList<>();
        List<Window> windows = new ArrayList<>();
        PgSnapshot before;
        try (Connection conn = SourceConnections.open(cfg.source())) {
            // Taken before the export reads: it sees no row the replay does not write.
            before = PgSnapshot.current(conn);
            long closedUpTo = closedUpTo(conn, at);
            Window w = at.window().windowOf(fromValue);
            for (int n = 0; w.start() < toValue; n++, w = at.window().windowOf(w.end())) {
                if (n >= MAX_WINDOWS) {
                    throw new ConfigException(
                            "--from/--to",
                            "the range spans more than " + MAX_WINDOWS + " windows",
                            "replay a smaller range at a time");
                }
                if (!filter.test(at, w)) {
                    continue;
                }
                Optional<WindowManifest> m = store.read(at.id().toString(), w.path());
                if (m.isPresent()
                        && (m.get().state() == WindowState.DELETED
                                || m.get().state() == WindowState.DELETING)) {
                    out.printf(
                            "%-34s skipped: already deleted from PostgreSQL; its archive is the only copy%n",
                            w);
                    continue;
                }
                if (w.end() > closedUpTo) {
                    out.printf("%-34s skipped: still open (the live job archives it)%n", w);
                    continue;
                }
                long rows = count(conn, at, w);
                if (rows == 0) {
                    out.printf("%-34s skipped: no rows in PostgreSQL%n", w);
                    continue;
                }
                out.printf(
                        "%-34s %s %d rows from PostgreSQL%n",
                        w, dryRun ? "would replace with" : "replacing with", rows);
                tasks.add(new ReplayTask(index, w.path()));
                windows.add(w);
            }
        }
        if (dryRun || tasks.isEmpty()) {
            out.printf(
                    "%d window(s)%s%n", tasks.size(), dryRun ? " would be replayed" : " replayed");
            out.flush();
            return ExitCodes.OK;
        }
        Catalog catalog = CatalogSpec.of(cfg.catalog()).open();
        Table iceberg = catalog.loadTable(ArchiveTables.identifier(at.id()));
        long start =
                iceberg.currentSnapshot() == null ? -1 : iceberg.currentSnapshot().snapshotId();
        Map<String, List<DataFile>> written = ReplayJob.export(cfg, tables, tasks);
        WindowReplacer replacer = new WindowReplacer(at, iceberg, store);
        for (int i = 0; i < windows.size(); i++) {
            List<DataFile> files = written.get(windows.get(i).path());
            try {
                replacer.replace(windows.get(i), files, start, before);
            } catch (Exception e) {
                List<DataFile> uncommitted = new ArrayList<>();
                windows.subList(i, windows.size())
                        .forEach(w -> uncommitted.addAll(written.get(w.path())));
                replacer.discard(uncommitted);
                throw e;
            }
            out.printf(
                    "%-34s replaced: %d files, %d rows; manifest COMMITTED, run 'permafrost verify'%n",
                    windows.get(i),
                    files.size(),
                    files.stream().mapToLong(DataFile::recordCount).sum());
        }
        if (catalog instanceof AutoCloseable c) {
            c.close();
        }
        out.printf("%d window(s) replayed%n", windows.size());
        out.flush();
        return ExitCodes.OK;
    }

    /** Windows ending at or before this value are closed. */
    private static long closedUpTo(Connection conn, ArchiveTable at) throws Exception {
        if (at.window() instanceof WindowSpec.Time) {
            return Instant.now().toEpochMilli() * 1000 - at.config().closeAfter();
        }
        try (Statement s = conn.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT max(\""
                                        + at.window().column()
                                        + "\") FROM "
                                        + at.id().quoted())) {
            rs.next();
            long max = rs.getLong(1);
            return rs.wasNull() ? Long.MIN_VALUE : max + 1 - at.config().closeAfter();
        }
    }

    private static long count(Connection conn, ArchiveTable at, Window w) throws Exception {
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT count(*) FROM "
                                + at.id().quoted()
                                + " WHERE "
                                + WindowBounds.sqlCondition(at))) {
            WindowBounds.bind(st, 1, at, w);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
