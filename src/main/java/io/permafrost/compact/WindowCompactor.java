package io.permafrost.compact;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.Reconciler;
import io.permafrost.iceberg.ReplacedFiles;
import io.permafrost.iceberg.TableCommitLock;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.sink.MicrosTimeColumns;
import io.permafrost.sink.ParquetWriterFactory;
import io.permafrost.storage.StrayFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.core.fs.Path;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.flink.data.FlinkParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.relocated.com.google.common.util.concurrent.MoreExecutors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the small files of one closed window into files near the target size, in one Iceberg
 * snapshot of kind {@code compaction}, then deletes the files it replaced.
 *
 * <p>A window that {@code run} closes holds one file per checkpoint and writer. Once it has at
 * least {@code parquet.compaction_min_files} files below 75 % of {@code parquet.target_file_size}
 * (Iceberg's own bin-pack defaults), those files are packed into bins of at most the target size,
 * each bin is read back and written as one file ({@code compacted-<uuid>.parquet}, by the writer
 * FileSink uses), and one {@link RewriteFiles} swaps them. Its summary carries the window, so the
 * window's snapshot list changes and {@code verify} checks it again; a VERIFIED window goes back to
 * COMMITTED, so nothing is deleted from PostgreSQL before that. Windows already deleted from
 * PostgreSQL are left alone (they could not be checked again).
 *
 * <p>The replaced files are deleted from storage after the commit, so that readers of the
 * Hive-style directories see each row once (Iceberg time travel to a snapshot before the compaction
 * cannot read the window any more, as after Iceberg's own {@code expire_snapshots}). Every step can
 * be repeated: a crash before the commit leaves a {@code compacted-} file that no snapshot holds,
 * which the next attempt (or the next start's reconciliation) deletes; a crash after it leaves
 * replaced files, which the next attempt deletes; {@link ReplacedFiles} keeps them from being
 * appended again.
 */
public final class WindowCompactor {

    private static final Logger LOG = LoggerFactory.getLogger(WindowCompactor.class);

    /** File name prefix of compaction output. */
    public static final String OUTPUT_PREFIX = "compacted-";

    /** Summary key: how many files the compaction replaced. */
    public static final String REPLACED = "permafrost.replaced-files";

    /** What one compaction did. */
    public record Result(
            String window,
            int filesIn,
            int filesOut,
            long rows,
            long bytesIn,
            long bytesOut,
            long snapshotId,
            long millis) {}

    private final Table table;
    private final ArchiveTable archive;
    private final PermafrostConfig.Parquet parquet;
    private final ManifestStore manifests;

    public WindowCompactor(
            Table table,
            ArchiveTable archive,
            PermafrostConfig.Parquet parquet,
            ManifestStore manifests) {
        this.table = table;
        this.archive = archive;
        this.parquet = parquet;
        this.manifests = manifests;
    }

    /**
     * Compacts the window if it has enough small files; also finishes what an interrupted earlier
     * compaction of it left behind.
     *
     * @return what was done, or empty when there was nothing to compact
     */
    public Optional<Result> compact(Window w) throws IOException {
        long started = System.nanoTime();
        table.refresh();
        if (table.currentSnapshot() == null) {
            return Optional.empty();
        }
        long base = table.currentSnapshot().snapshotId();
        List<DataFile> current = currentFiles(w);
        Set<String> live = new HashSet<>();
        current.forEach(f -> live.add(Reconciler.normalized(f.location())));
        deleteLeftovers(w, live);
        unverify(w);

        List<DataFile> small = new ArrayList<>();
        for (DataFile f : current) {
            if (f.fileSizeInBytes() < parquet.smallFileSize()) {
                small.add(f);
            }
        }
        if (parquet.compactionMinFiles() <= 0 || small.size() < parquet.compactionMinFiles()) {
            return Optional.empty();
        }
        if (settled(w)) {
            LOG.info(
                    "Not compacting window {} of {}: it is deleted from PostgreSQL, so it could not"
                            + " be verified again",
                    w,
                    archive.id());
            return Optional.empty();
        }
        small.sort(Comparator.comparing(DataFile::location));
        List<List<DataFile>> bins =
                BinPacker.pack(small, DataFile::fileSizeInBytes, parquet.targetFileSize());
        List<DataFile> replaced = new ArrayList<>();
        List<DataFile> written = new ArrayList<>();
        long rowsOut;
        try {
            for (List<DataFile> bin : bins) {
                written.add(rewrite(w, bin));
                replaced.addAll(bin);
            }
            if (replaced.isEmpty()) {
                return Optional.empty();
            }
            long rowsIn = replaced.stream().mapToLong(DataFile::recordCount).sum();
            rowsOut = written.stream().mapToLong(DataFile::recordCount).sum();
            if (rowsIn != rowsOut) {
                throw new IllegalStateException(
                        "compaction of window "
                                + w
                                + " read "
                                + rowsIn
                                + " rows from "
                                + replaced.size()
                                + " files but wrote "
                                + rowsOut
                                + "; nothing was replaced");
            }
            for (DataFile f : written) {
                if (!table.io().newInputFile(f.location()).exists()) {
                    throw new IllegalStateException(
                            "the compaction output "
                                    + f.location()
                                    + " vanished before its commit");
                }
            }
            RewriteFiles rewrite =
                    table.newRewrite()
                            .validateFromSnapshot(base)
                            .scanManifestsWith(MoreExecutors.newDirectExecutorService());
            replaced.forEach(rewrite::deleteFile);
            written.forEach(rewrite::addFile);
            rewrite.set(WindowCommitter.WINDOW, w.path())
                    .set(WindowCommitter.KIND, ReplacedFiles.COMPACTION)
                    .set(WindowCommitter.ROWS, Long.toString(rowsOut))
                    .set(WindowCommitter.FILES, Integer.toString(written.size()))
                    .set(REPLACED, Integer.toString(replaced.size()));
            TableCommitLock.commit(archive.id(), rewrite::commit);
        } catch (CommitStateUnknownException e) {
            throw e; // the commit may have succeeded: keep the output, the next attempt knows
        } catch (IOException | RuntimeException e) {
            for (DataFile f : written) {
                deleteQuietly(f.location());
            }
            if (e instanceof ValidationException) {
                // Another writer replaced some of these files first: nothing to do here now.
                LOG.info(
                        "Compaction of window {} of {} gave way: {}",
                        w,
                        archive.id(),
                        e.getMessage());
                return Optional.empty();
            }
            throw e;
        }
        table.refresh();
        long snapshotId = table.currentSnapshot().snapshotId();
        for (DataFile f : replaced) {
            deleteQuietly(f.location());
        }
        unverify(w);
        Result r =
                new Result(
                        w.path(),
                        replaced.size(),
                        written.size(),
                        rowsOut,
                        replaced.stream().mapToLong(DataFile::fileSizeInBytes).sum(),
                        written.stream().mapToLong(DataFile::fileSizeInBytes).sum(),
                        snapshotId,
                        (System.nanoTime() - started) / 1_000_000);
        LOG.info(
                "Compacted window {} of {}: {} files ({} bytes) into {} ({} bytes), {} rows,"
                        + " snapshot {}, {} ms",
                w,
                archive.id(),
                r.filesIn(),
                r.bytesIn(),
                r.filesOut(),
                r.bytesOut(),
                r.rows(),
                r.snapshotId(),
                r.millis());
        return Optional.of(r);
    }

    /** The window's data files in the current snapshot. */
    private List<DataFile> currentFiles(Window w) {
        Object partition = WindowCommitter.partitionOf(table, archive, w).get(0, Object.class);
        List<DataFile> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().filter(WindowBounds.iceberg(archive, w)).planFiles()) {
            for (FileScanTask t : tasks) {
                if (partition.equals(t.file().partition().get(0, Object.class))) {
                    files.add(t.file().copy());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /**
     * Deletes what an interrupted compaction of the window left: files its commit replaced, and
     * output that no snapshot holds.
     */
    private void deleteLeftovers(Window w, Set<String> live) throws IOException {
        for (String path : ReplacedFiles.of(table, w.path())) {
            if (!live.contains(Reconciler.normalized(path))
                    && table.io().newInputFile(path).exists()) {
                deleteQuietly(path);
                LOG.info("Deleted {}: an earlier compaction of window {} replaced it", path, w);
            }
        }
        Path dir = new Path(archive.dataLocation() + "/" + w.path());
        for (Path p : StrayFiles.delete(dir, OUTPUT_PREFIX, live)) {
            LOG.info("Deleted {}: the output of a compaction that did not commit", p);
        }
    }

    private boolean settled(Window w) throws IOException {
        if (manifests == null) {
            return false;
        }
        Optional<WindowManifest> m = manifests.read(archive.id().toString(), w.path());
        return m.isPresent()
                && (m.get().state() == WindowState.DELETED
                        || m.get().state() == WindowState.DELETING);
    }

    /**
     * A window verified before its files were rewritten goes back to COMMITTED (as after a replay):
     * {@code delete} takes only VERIFIED windows, so nothing is deleted from PostgreSQL until
     * {@code verify} has checked the rewritten files. Also after a crash between the commit and
     * this step: a verification that does not cover every compaction of the window is stale.
     */
    private void unverify(Window w) throws IOException {
        if (manifests == null) {
            return;
        }
        Optional<WindowManifest> m = manifests.read(archive.id().toString(), w.path());
        List<Long> compactions = new ArrayList<>();
        for (org.apache.iceberg.Snapshot s : table.snapshots()) {
            if (ReplacedFiles.isCompaction(s)
                    && w.path().equals(s.summary().get(WindowCommitter.WINDOW))) {
                compactions.add(s.snapshotId());
            }
        }
        if (m.isPresent()
                && m.get().state() == WindowState.VERIFIED
                && !m.get().snapshotIds().containsAll(compactions)) {
            manifests.write(m.get().withState(WindowState.COMMITTED, Instant.now().toString()));
            LOG.info(
                    "Window {} of {} is to be verified again after its compaction",
                    w,
                    archive.id());
        }
    }

    /** Reads the rows of a bin's files, in order, into one new file of the window. */
    private DataFile rewrite(Window w, List<DataFile> bin) throws IOException {
        Schema schema = archive.schema();
        OutputFile out =
                table.io()
                        .newOutputFile(
                                archive.dataLocation()
                                        + "/"
                                        + w.path()
                                        + "/"
                                        + OUTPUT_PREFIX
                                        + UUID.randomUUID()
                                        + ".parquet");
        RowType rowType = archive.rowType();
        Set<Integer> microsTimes = MicrosTimeColumns.of(schema, rowType);
        FileAppender<RowData> appender =
                ParquetWriterFactory.appender(out, schema, rowType, parquet);
        try {
            for (DataFile f : bin) {
                try (CloseableIterable<RowData> rows =
                        Parquet.read(table.io().newInputFile(f.location()))
                                .project(schema)
                                .createReaderFunc(
                                        fileSchema ->
                                                FlinkParquetReaders.buildReader(
                                                        schema,
                                                        MicrosTimeColumns.asLongs(
                                                                fileSchema, microsTimes)))
                                .build()) {
                    for (RowData row : rows) {
                        appender.add(row);
                    }
                }
            }
        } finally {
            appender.close();
        }
        return DataFiles.builder(table.spec())
                .withPath(out.location())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(appender.length())
                .withMetrics(appender.metrics())
                .withPartition(WindowCommitter.partitionOf(table, archive, w))
                .build();
    }

    private void deleteQuietly(String path) {
        try {
            table.io().deleteFile(path);
        } catch (RuntimeException e) {
            LOG.warn("Could not delete {}: {}", path, e.toString());
        }
    }
}
