package io.permafrost.iceberg;

import io.permafrost.model.Granularity;
import io.permafrost.model.Window;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.schema.WindowColumnKind;
import io.permafrost.source.PgSnapshot;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.annotation.Nullable;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestWriter;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionData;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.relocated.com.google.common.util.concurrent.MoreExecutors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the files of one window to the Iceberg table in one snapshot, idempotently.
 *
 * <p>Assumptions: the files are committed (final names) and hold only rows of the window. A file is
 * appended at most once: files already in the table are skipped, and the commit validates,
 * atomically with the commit itself, that no snapshot added since the check holds any of them. The
 * first snapshot of a window is of kind {@code window}; later ones (late rows) are of kind {@code
 * amendment}. The summary carries {@code permafrost.window}, {@code permafrost.kind}, {@code
 * permafrost.rows}, {@code permafrost.files}, {@code permafrost.job-id} and {@code
 * permafrost.checkpoint-id}; a backfill's commits also {@code permafrost.source-snapshot} ({@link
 * WindowCoverage}).
 */
public final class WindowCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(WindowCommitter.class);

    public static final String WINDOW = "permafrost.window";
    public static final String KIND = "permafrost.kind";
    public static final String ROWS = "permafrost.rows";
    public static final String FILES = "permafrost.files";
    public static final String JOB_ID = "permafrost.job-id";
    public static final String CHECKPOINT_ID = "permafrost.checkpoint-id";
    public static final String SOURCE_SNAPSHOT = "permafrost.source-snapshot";

    private static final int MAX_ATTEMPTS = 5;

    /** Footers read at once: object stores answer each read after a round trip. */
    private static final int FOOTER_READERS = 8;

    private static final ExecutorService SAME_THREAD = MoreExecutors.newDirectExecutorService();

    /** What a commit did: the snapshot id is -1 when every file was already in the table. */
    public record Result(String window, String kind, long snapshotId, int files, long rows) {}

    private final Table table;
    private final ArchiveTable archive;
    private final String jobId;
    @Nullable private final PgSnapshot sourceSnapshot;

    public WindowCommitter(Table table, ArchiveTable archive, String jobId) {
        this(table, archive, jobId, null);
    }

    /**
     * @param sourceSnapshot a snapshot that sees no more than the reads whose rows this committer
     *     appends (a backfill's), recorded with each commit; null for a run
     */
    public WindowCommitter(
            Table table, ArchiveTable archive, String jobId, @Nullable PgSnapshot sourceSnapshot) {
        this.table = table;
        this.archive = archive;
        this.jobId = jobId;
        this.sourceSnapshot = sourceSnapshot;
    }

    public Result commit(Window window, Collection<DataFileRef> files, long checkpointId) {
        return commitAll(Map.of(window, files), checkpointId).get(0);
    }

    /**
     * Appends the files of several windows in one Iceberg transaction: still one snapshot per
     * window (in window order), but one metadata write, one scan for the files already in the table
     * and the footers read in parallel. Either every window is committed or none.
     *
     * @return one result per window, in window order
     */
    public List<Result> commitAll(
            Map<Window, ? extends Collection<DataFileRef>> windows, long checkpointId) {
        TreeMap<Window, Collection<DataFileRef>> byStart =
                new TreeMap<>(Comparator.comparingLong(Window::start));
        byStart.putAll(windows);
        Map<String, Metrics> footers = new ConcurrentHashMap<>();
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            table.refresh();
            Map<Window, Set<String>> existing = filesOf(byStart.keySet());
            Set<String> rewritten = ReplacedFiles.rewrittenWindows(table);
            for (Map.Entry<Window, Set<String>> e : existing.entrySet()) {
                if (rewritten.contains(e.getKey().path())) {
                    // A compacted or replayed window: the files those snapshots took out count
                    // as added, so a restore that hands them over again appends nothing.
                    e.getValue().addAll(ReplacedFiles.removedFrom(table, e.getKey().path()));
                }
            }
            List<Planned> planned = new ArrayList<>();
            List<Result> results = new ArrayList<>();
            for (Map.Entry<Window, Collection<DataFileRef>> e : byStart.entrySet()) {
                Set<String> present = existing.get(e.getKey());
                List<DataFileRef> fresh = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                for (DataFileRef f : e.getValue()) {
                    if (!present.contains(f.path()) && seen.add(f.path())) {
                        fresh.add(f);
                    }
                }
                planned.add(
                        new Planned(e.getKey(), present.isEmpty() ? "window" : "amendment", fresh));
            }
            readFooters(planned, footers);
            Map<Window, Manifest> manifests = writeManifests(planned, footers);
            long read = System.nanoTime();
            Snapshot base = table.currentSnapshot();
            long baseId = base == null ? -1 : base.snapshotId();
            // One check covers every file: it runs on the transaction's first snapshot, whose
            // ancestors are exactly the snapshots other writers added since the check above.
            long staged = read;
            Set<String> allFresh = new HashSet<>();
            planned.forEach(p -> p.fresh.forEach(f -> allFresh.add(f.path())));
            NoneOfTheseAdded check = new NoneOfTheseAdded(table, baseId, allFresh);
            try {
                Transaction tx = table.newTransaction();
                for (Planned p : planned) {
                    if (p.fresh.isEmpty()) {
                        results.add(new Result(p.window.path(), p.kind, -1, 0, 0));
                        continue;
                    }
                    long rows = append(tx, p, manifests.get(p.window), check, checkpointId);
                    check = null;
                    results.add(
                            new Result(
                                    p.window.path(),
                                    p.kind,
                                    tx.table().currentSnapshot().snapshotId(),
                                    p.fresh.size(),
                                    rows));
                }
                if (results.stream().allMatch(r -> r.snapshotId() < 0)) {
                    return results;
                }
                staged = System.nanoTime();
                TableCommitLock.commit(archive.id(), tx::commitTransaction);
            } catch (ValidationException | CommitFailedException e) {
                // Not committed (another writer's files, or its commits won every metadata swap
                // Iceberg retried): the manifests written for this attempt are not in the table.
                manifests.values().forEach(m -> table.io().deleteFile(m.file().path()));
                if (attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                LOG.warn(
                        "Re-checking {} window(s) of {} after a concurrent commit: {}",
                        planned.size(),
                        archive.id(),
                        e.getMessage());
                pause(attempt);
                continue;
            }
            long done = System.nanoTime();
            for (Result r : results) {
                if (r.snapshotId() >= 0) {
                    LOG.info(
                            "Committed {} {} of table {}: {} files, {} rows, snapshot {}, checkpoint {}",
                            r.kind(),
                            r.window(),
                            archive.id(),
                            r.files(),
                            r.rows(),
                            r.snapshotId(),
                            checkpointId);
                }
            }
            LOG.info(
                    "Committed {} window snapshot(s) of {} in one transaction in {} ms"
                            + " ({} ms to check the table and read footers, {} ms to stage, {} ms"
                            + " to commit)",
                    results.stream().filter(r -> r.snapshotId() >= 0).count(),
                    archive.id(),
                    (done - started) / 1_000_000,
                    (read - started) / 1_000_000,
                    (staged - read) / 1_000_000,
                    (done - staged) / 1_000_000);
            return results;
        }
    }

    /** A little longer after each lost attempt, so that competing writers spread out. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(50, 100) * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between commit attempts", e);
        }
    }

    /** A window's files that the table does not hold yet. */
    private record Planned(Window window, String kind, List<DataFileRef> fresh) {}

    /** A window's manifest of fresh files, and their bytes. */
    private record Manifest(ManifestFile file, long bytes) {}

    /**
     * Reads the Parquet footers (row count, column statistics) of every fresh file, in parallel.
     */
    private void readFooters(List<Planned> planned, Map<String, Metrics> footers) {
        MetricsConfig metricsConfig = MetricsConfig.forTable(table);
        List<DataFileRef> todo = new ArrayList<>();
        for (Planned p : planned) {
            for (DataFileRef f : p.fresh) {
                if (!footers.containsKey(f.path())) {
                    todo.add(f);
                }
            }
        }
        List<Callable<Void>> reads = new ArrayList<>();
        for (DataFileRef f : todo) {
            reads.add(
                    () -> {
                        footers.put(
                                f.path(),
                                ParquetUtil.fileMetrics(
                                        table.io().newInputFile(f.path()), metricsConfig));
                        return null;
                    });
        }
        inParallel(reads, "reading Parquet footers");
    }

    /**
     * Writes each window's manifest of its fresh files, in parallel: Iceberg would write them in
     * its shared pool and wait for each by polling every 10 ms (60 windows: ~0.9 s of sleep). The
     * manifests carry no snapshot id; each window's append inherits its own (format v2).
     */
    private Map<Window, Manifest> writeManifests(
            List<Planned> planned, Map<String, Metrics> footers) {
        Map<Window, Manifest> out = new ConcurrentHashMap<>();
        TableOperations ops = ((HasTableOperations) table).operations();
        int formatVersion = ops.current().formatVersion();
        List<Callable<Void>> writes = new ArrayList<>();
        for (Planned p : planned) {
            if (p.fresh.isEmpty()) {
                continue;
            }
            writes.add(
                    () -> {
                        OutputFile file =
                                table.io()
                                        .newOutputFile(
                                                ops.metadataFileLocation(
                                                        FileFormat.AVRO.addExtension(
                                                                UUID.randomUUID() + "-m0")));
                        ManifestWriter<DataFile> writer =
                                ManifestFiles.write(formatVersion, table.spec(), file, null);
                        long bytes = 0;
                        try (writer) {
                            for (DataFileRef f : p.fresh) {
                                DataFile data = dataFile(p.window, f, footers.get(f.path()));
                                writer.add(data);
                                bytes += data.fileSizeInBytes();
                            }
                        }
                        out.put(p.window, new Manifest(writer.toManifestFile(), bytes));
                        return null;
                    });
        }
        inParallel(writes, "writing manifests");
        return out;
    }

    private DataFile dataFile(Window window, DataFileRef f, Metrics metrics) {
        return DataFiles.builder(table.spec())
                .withPath(f.path())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(
                        f.size() >= 0 ? f.size() : table.io().newInputFile(f.path()).getLength())
                .withMetrics(metrics)
                .withPartition(partitionOf(window))
                .build();
    }

    /** Runs the tasks at most {@value #FOOTER_READERS} at a time and waits for all of them. */
    private static void inParallel(List<Callable<Void>> tasks, String what) {
        if (tasks.isEmpty()) {
            return;
        }
        // A pool of this call's own: its threads inherit the caller's class loader (a static pool's
        // threads would keep that of the first Flink job that used them, closed after it ends).
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(FOOTER_READERS, tasks.size()));
        try {
            for (Future<Void> task : pool.invokeAll(tasks)) {
                task.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stages one window's append in the transaction; returns its row count. */
    private long append(
            Transaction tx,
            Planned p,
            Manifest manifest,
            NoneOfTheseAdded check,
            long checkpointId) {
        // Iceberg's own pool waits for its tasks by polling every 10 ms, several times per
        // snapshot: 60 windows took 3.5 s that way. The manifest is written already.
        AppendFiles append = tx.newAppend().scanManifestsWith(SAME_THREAD);
        long rows = manifest.file().addedRowsCount();
        append.appendManifest(manifest.file());
        // What Iceberg's summary cannot take from a manifest (so that totals stay complete).
        append.set(SnapshotSummary.ADDED_FILE_SIZE_PROP, Long.toString(manifest.bytes()))
                .set(SnapshotSummary.CHANGED_PARTITION_COUNT_PROP, "1");
        append.set(WINDOW, p.window.path())
                .set(KIND, p.kind)
                .set(ROWS, Long.toString(rows))
                .set(FILES, Integer.toString(p.fresh.size()))
                .set(JOB_ID, jobId)
                .set(CHECKPOINT_ID, Long.toString(checkpointId));
        if (sourceSnapshot != null) {
            append.set(SOURCE_SNAPSHOT, sourceSnapshot.toString());
        }
        if (check != null) {
            append.validateWith(check);
        }
        append.commit();
        return rows;
    }

    /**
     * Validates, when the transaction is committed (and again on each of Iceberg's retries against
     * a newer table), that no snapshot after the one the check was made on added any of the files.
     */
    private static final class NoneOfTheseAdded
            implements org.apache.iceberg.SnapshotAncestryValidator {
        private final Table table;
        private final long baseId;
        private final Set<String> paths;

        NoneOfTheseAdded(Table table, long baseId, Set<String> paths) {
            this.table = table;
            this.baseId = baseId;
            this.paths = paths;
        }

        @Override
        public boolean validate(Iterable<Snapshot> ancestors) {
            for (Snapshot s : ancestors) {
                if (s.snapshotId() == baseId) {
                    return true;
                }
                for (DataFile added : changes(table, s).addedDataFiles()) {
                    if (paths.contains(added.location())) {
                        return false;
                    }
                }
            }
            return true;
        }

        @Override
        public String errorMessage() {
            return "a concurrent commit added some of these files";
        }
    }

    /** Paths of the data files the table holds for each of these windows, in one scan. */
    private Map<Window, Set<String>> filesOf(Collection<Window> windows) {
        Map<Window, Set<String>> out = new HashMap<>();
        Map<Object, Window> byPartition = new HashMap<>();
        Expression filter = Expressions.alwaysFalse();
        for (Window w : windows) {
            out.put(w, new HashSet<>());
            byPartition.put(partitionOf(w).get(0, Object.class), w);
            filter = Expressions.or(filter, WindowBounds.iceberg(archive, w));
        }
        if (table.currentSnapshot() == null) {
            return out;
        }
        try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
            for (FileScanTask t : tasks) {
                Window w = byPartition.get(t.file().partition().get(0, Object.class));
                if (w != null) {
                    out.get(w).add(t.file().location());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** The partition tuple of a window, in Iceberg's internal form. */
    PartitionData partitionOf(Window w) {
        return partitionOf(table, archive, w);
    }

    /** The partition tuple of a window of a table, in Iceberg's internal form. */
    public static PartitionData partitionOf(Table table, ArchiveTable archive, Window w) {
        PartitionData p = new PartitionData(table.spec().partitionType());
        WindowSpec spec = archive.window();
        Object value;
        if (spec instanceof WindowSpec.Time t) {
            long hours = Math.floorDiv(w.start(), 3_600_000_000L);
            if (t.granularity() == Granularity.HOURLY) {
                value = (int) hours;
            } else if (t.granularity() == Granularity.DAILY) {
                value = (int) Math.floorDiv(hours, 24);
            } else {
                ZonedDateTime d =
                        Instant.ofEpochSecond(w.start() / 1_000_000L).atZone(ZoneOffset.UTC);
                value = (d.getYear() - 1970) * 12 + d.getMonthValue() - 1;
            }
        } else {
            value =
                    archive.windowKind() == WindowColumnKind.LONG
                            ? (Object) w.start()
                            : (Object) (int) w.start();
        }
        p.set(0, value);
        return p;
    }

    /**
     * The files a snapshot added or removed, read with the table's partition specs (Iceberg's
     * {@code Snapshot.addedDataFiles(io)} reads each manifest's spec from its metadata, deprecated
     * and logged as a warning for every manifest).
     */
    static SnapshotChanges changes(Table table, Snapshot s) {
        return SnapshotChanges.builderFor(table).snapshot(s).build();
    }
}
