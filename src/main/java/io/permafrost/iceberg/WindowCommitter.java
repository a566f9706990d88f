package io.permafrost.iceberg;

import io.permafrost.model.Granularity;
import io.permafrost.model.Window;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.schema.WindowColumnKind;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionData;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.ParquetUtil;
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
 * permafrost.checkpoint-id}.
 */
public final class WindowCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(WindowCommitter.class);

    public static final String WINDOW = "permafrost.window";
    public static final String KIND = "permafrost.kind";
    public static final String ROWS = "permafrost.rows";
    public static final String FILES = "permafrost.files";
    public static final String JOB_ID = "permafrost.job-id";
    public static final String CHECKPOINT_ID = "permafrost.checkpoint-id";

    private static final int MAX_ATTEMPTS = 5;

    /** What a commit did: the snapshot id is -1 when every file was already in the table. */
    public record Result(String window, String kind, long snapshotId, int files, long rows) {}

    private final Table table;
    private final ArchiveTable archive;
    private final String jobId;

    public WindowCommitter(Table table, ArchiveTable archive, String jobId) {
        this.table = table;
        this.archive = archive;
        this.jobId = jobId;
    }

    public Result commit(Window window, Collection<DataFileRef> files, long checkpointId) {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            table.refresh();
            Set<String> existing = filesOf(window);
            List<DataFileRef> fresh = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (DataFileRef f : files) {
                if (!existing.contains(f.path()) && seen.add(f.path())) {
                    fresh.add(f);
                }
            }
            String kind = existing.isEmpty() ? "window" : "amendment";
            if (fresh.isEmpty()) {
                return new Result(window.path(), kind, -1, 0, 0);
            }
            MetricsConfig metricsConfig = MetricsConfig.forTable(table);
            AppendFiles append = table.newAppend();
            long rows = 0;
            for (DataFileRef f : fresh) {
                Metrics metrics =
                        ParquetUtil.fileMetrics(table.io().newInputFile(f.path()), metricsConfig);
                rows += metrics.recordCount();
                append.appendFile(
                        DataFiles.builder(table.spec())
                                .withPath(f.path())
                                .withFormat(FileFormat.PARQUET)
                                .withFileSizeInBytes(
                                        f.size() >= 0
                                                ? f.size()
                                                : table.io().newInputFile(f.path()).getLength())
                                .withMetrics(metrics)
                                .withPartition(partitionOf(window))
                                .build());
            }
            Snapshot base = table.currentSnapshot();
            long baseId = base == null ? -1 : base.snapshotId();
            Set<String> paths = new HashSet<>(seen);
            append.set(WINDOW, window.path())
                    .set(KIND, kind)
                    .set(ROWS, Long.toString(rows))
                    .set(FILES, Integer.toString(fresh.size()))
                    .set(JOB_ID, jobId)
                    .set(CHECKPOINT_ID, Long.toString(checkpointId));
            append.validateWith(
                    new org.apache.iceberg.SnapshotAncestryValidator() {
                        @Override
                        public boolean validate(Iterable<Snapshot> ancestors) {
                            for (Snapshot s : ancestors) {
                                if (s.snapshotId() == baseId) {
                                    return true;
                                }
                                for (DataFile added : s.addedDataFiles(table.io())) {
                                    if (paths.contains(added.location())) {
                                        return false;
                                    }
                                }
                            }
                            return true;
                        }

                        @Override
                        public String errorMessage() {
                            return "a concurrent commit added files of window " + window.path();
                        }
                    });
            try {
                append.commit();
            } catch (ValidationException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                LOG.warn(
                        "Re-checking window {} of {} after a concurrent commit: {}",
                        window,
                        archive.id(),
                        e.getMessage());
                continue;
            }
            long id = table.currentSnapshot().snapshotId();
            LOG.info(
                    "Committed {} {} of table {}: {} files, {} rows, snapshot {}, checkpoint {} in {} ms",
                    kind,
                    window,
                    archive.id(),
                    fresh.size(),
                    rows,
                    id,
                    checkpointId,
                    (System.nanoTime() - started) / 1_000_000);
            return new Result(window.path(), kind, id, fresh.size(), rows);
        }
    }

    /** Paths of the data files the table holds for this window. */
    public Set<String> filesOf(Window window) {
        Set<String> paths = new HashSet<>();
        if (table.currentSnapshot() == null) {
            return paths;
        }
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().filter(WindowBounds.iceberg(archive, window)).planFiles()) {
            for (FileScanTask t : tasks) {
                paths.add(t.file().location());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return paths;
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
}
