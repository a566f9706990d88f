package io.permafrost.cli;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.PgCatalog;
import io.permafrost.source.PreflightException;
import io.permafrost.source.SourceConnections;
import io.permafrost.verify.ArchiveCatalogView;
import io.permafrost.verify.CommittedWindow;
import io.permafrost.verify.RowHasher;
import io.permafrost.verify.RowKeys;
import io.permafrost.verify.WindowFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "fetch",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the archived rows of the committed windows in [--from, --to) of one table as CSV,",
            "JSON Lines or JSON, to stdout or a file. Reads through the Iceberg table (its committed",
            "files only, at one snapshot), so it works after the rows were deleted from PostgreSQL and",
            "needs no database connection (except --state-only without tables[].key). Every row",
            "version is written, with _op, _lsn and _commit_ts. Progress and totals go to stderr."
        })
final class FetchCommand implements Callable<Integer> {

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
                    "Windows starting at or after W (inclusive): a window path, a date or timestamp (UTC), or an integer for range windows.")
    String from;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "W",
            description = "Windows starting before W (exclusive; same forms as --from).")
    String to;

    @Option(
            names = "--format",
            paramLabel = "F",
            defaultValue = "csv",
            description =
                    "csv (default; with a header), jsonl (one object per line) or json (one array).")
    String format;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description =
                    "Write to FILE (written beside it, then moved into place) instead of stdout; '-' is stdout.")
    Path output;

    @Option(
            names = "--state-only",
            description =
                    "Only the newest version of each key per window (the state 'verify' fingerprints), not every change. Needs the key: tables[].key, or the primary key read from PostgreSQL.")
    boolean stateOnly;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String fmt = format.trim().toLowerCase(Locale.ROOT);
        if (!RowFormat.NAMES.contains(fmt)) {
            throw new ConfigException(
                    "option '--format': '"
                            + format
                            + "' is not an output format. Fix: use one of "
                            + RowFormat.NAMES);
        }
        PermafrostConfig cfg = config.load();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        try (ArchiveIndex index = new ArchiveIndex(cfg)) {
            List<ArchiveIndex.ArchivedTable> matches = index.tables(table);
            if (matches.size() > 1) {
                throw new ConfigException(
                        "option '--table': '"
                                + table
                                + "' names several tables. Fix: write schema.table, one of "
                                + matches.stream().map(ArchiveIndex.ArchivedTable::name).toList());
            }
            ArchiveIndex.ArchivedTable t = matches.get(0);
            if (t.iceberg() == null) {
                throw new PreflightException(
                        2,
                        "table "
                                + t.name()
                                + " has no archive yet. Fix: run 'permafrost backfill' or 'permafrost run' first");
            }
            Table iceberg = t.iceberg();
            WindowFilter filter = new WindowFilter(null, from, to);
            List<Window> windows = new ArrayList<>();
            for (CommittedWindow cw :
                    ArchiveCatalogView.windows(t.config().id(), iceberg).values()) {
                Window w = t.config().window().parsePath(cw.window());
                if (filter.test(t.config().id(), t.config().window(), w)) {
                    windows.add(w);
                }
            }
            windows.sort(Comparator.comparingLong(Window::start));
            int[] keyFields = stateOnly ? keyFields(cfg, t) : null;
            long snapshot = windows.isEmpty() ? -1 : iceberg.currentSnapshot().snapshotId();

            boolean toStdout = output == null || output.toString().equals("-");
            Path tmp = null;
            Writer out;
            if (toStdout) {
                out = spec.commandLine().getOut();
            } else {
                Path target = output.toAbsolutePath();
                tmp =
                        target.resolveSibling(
                                "."
                                        + target.getFileName()
                                        + "."
                                        + ProcessHandle.current().pid()
                                        + ".tmp");
                out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
            }
            long rows = 0;
            try {
                RowFormat rf = RowFormat.of(fmt, out, iceberg.schema());
                rf.begin();
                for (Window w : windows) {
                    long n = fetch(iceberg, t, snapshot, w, keyFields, rf);
                    rows += n;
                    err.printf("permafrost: %s %s: %s rows%n", t.name(), w.path(), Human.count(n));
                    err.flush();
                }
                rf.end();
                if (!toStdout) {
                    out.close();
                    Files.move(tmp, output.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (Exception e) {
                if (tmp != null) {
                    out.close();
                    Files.deleteIfExists(tmp);
                }
                throw e;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            err.printf(
                    Locale.ROOT,
                    "permafrost: %s %s of %d window(s) of %s in [%s, %s) in %.1f s%s%n",
                    Human.count(rows),
                    stateOnly ? "rows (newest version per key)" : "rows",
                    windows.size(),
                    t.name(),
                    from,
                    to,
                    seconds,
                    toStdout ? "" : ", written to " + output);
            if (windows.isEmpty()) {
                err.println(
                        "permafrost: no committed window of "
                                + t.name()
                                + " starts in ["
                                + from
                                + ", "
                                + to
                                + "); 'permafrost list' shows the archived windows");
            }
            err.flush();
        }
        return ExitCodes.OK;
    }

    /** Writes one window's rows; returns how many. */
    private long fetch(
            Table iceberg,
            ArchiveIndex.ArchivedTable t,
            long snapshot,
            Window w,
            int[] keyFields,
            RowFormat rf)
            throws IOException {
        Map<ByteBuffer, Long> newest = new HashMap<>();
        RowHasher hasher = new RowHasher();
        Schema schema = iceberg.schema();
        int op = position(schema, ArchiveTable.OP);
        int lsn = position(schema, ArchiveTable.LSN);
        if (keyFields != null) {
            // first pass: the newest LSN of every key with a later version (as verify reads it)
            read(
                    iceberg,
                    t,
                    snapshot,
                    w,
                    r -> {
                        if (ArchiveTable.mayReplace(r.get(op), r.get(lsn))) {
                            newest.merge(key(hasher, r, keyFields), (Long) r.get(lsn), Math::max);
                        }
                    });
        }
        long[] n = {0};
        read(
                iceberg,
                t,
                snapshot,
                w,
                r -> {
                    if (keyFields != null) {
                        Long latest = newest.get(key(hasher, r, keyFields));
                        if (latest != null && !latest.equals(r.get(lsn))) {
                            return;
                        }
                    }
                    rf.row(r);
                    n[0]++;
                });
        return n[0];
    }

    private interface RecordConsumer {
        void accept(Record r) throws IOException;
    }

    private static void read(
            Table iceberg,
            ArchiveIndex.ArchivedTable t,
            long snapshot,
            Window w,
            RecordConsumer consumer)
            throws IOException {
        String column = t.config().window().column();
        int pos = position(iceberg.schema(), column);
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(iceberg)
                        .useSnapshot(snapshot)
                        .where(bounds(column, iceberg.schema().findType(column), w))
                        .build()) {
            for (Record r : records) {
                long v = RowKeys.normalize(r.get(pos));
                if (v >= w.start() && v < w.end()) {
                    consumer.accept(r);
                }
            }
        }
    }

    /** {@code column >= start AND column < end}, typed like the Iceberg column. */
    static Expression bounds(String column, Type type, Window w) {
        Object start;
        Object end;
        switch (type.typeId()) {
            case DATE -> {
                start = (int) Math.floorDiv(w.start(), 86_400_000_000L);
                end = (int) Math.floorDiv(w.end(), 86_400_000_000L);
            }
            case INTEGER -> {
                start = (int) w.start();
                end = (int) Math.min(w.end(), Integer.MAX_VALUE);
            }
            default -> {
                start = w.start();
                end = w.end();
            }
        }
        return Expressions.and(
                Expressions.greaterThanOrEqual(column, start), Expressions.lessThan(column, end));
    }

    private static ByteBuffer key(RowHasher hasher, Record r, int[] fields) {
        List<Object> key = new ArrayList<>(fields.length);
        for (int f : fields) {
            key.add(r.get(f));
        }
        return ByteBuffer.wrap(hasher.encode(key));
    }

    private static int position(Schema schema, String name) {
        for (int i = 0; i < schema.columns().size(); i++) {
            if (schema.columns().get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("the archived table has no column " + name);
    }

    /** Positions of the key columns: tables[].key, else the primary key from PostgreSQL. */
    private int[] keyFields(PermafrostConfig cfg, ArchiveIndex.ArchivedTable t) {
        List<String> keys = t.config().keyColumns();
        if (keys.isEmpty()) {
            try (Connection conn = SourceConnections.open(cfg.source())) {
                keys =
                        PgCatalog.describe(conn, t.config().id())
                                .map(PgCatalog.SourceTable::primaryKey)
                                .orElse(List.of());
            } catch (Exception e) {
                throw new PreflightException(
                        1,
                        "option '--state-only' needs the primary key of "
                                + t.name()
                                + " from PostgreSQL, and reading it failed: "
                                + e.getMessage()
                                + " Alternatively set tables[].key for this table in the config",
                        e);
            }
            if (keys.isEmpty()) {
                throw new PreflightException(
                        2,
                        "option '--state-only': "
                                + t.name()
                                + " has no primary key in PostgreSQL (or no longer exists there). Fix: set tables[].key for it in the config");
            }
        }
        int[] out = new int[keys.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = position(t.iceberg().schema(), keys.get(i));
        }
        return out;
    }
}
