package io.permafrost.replay;

import io.permafrost.iceberg.Reconciler;
import io.permafrost.iceberg.ReplacedFiles;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.source.PgSnapshot;
import io.permafrost.storage.StrayFiles;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.core.fs.Path;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a window's archive with re-exported files in one Iceberg overwrite, and puts its
 * manifest back to COMMITTED so that {@code verify} checks it again. The overwrite fails, and
 * nothing changes, if files were added to the window after the replay started (e.g. by a running
 * job): run the replay again then.
 */
public final class WindowReplacer {

    private static final Logger LOG = LoggerFactory.getLogger(WindowReplacer.class);

    /** File name prefix of what a replay writes ({@link WindowExporter}). */
    public static final String OUTPUT_PREFIX = "replay-";

    private final ArchiveTable archive;
    private final Table table;
    private final ManifestStore store;

    public WindowReplacer(ArchiveTable archive, Table table, ManifestStore store) {
        this.archive = archive;
        this.table = table;
        this.store = store;
    }

    /**
     * @param sourceSnapshot a snapshot taken before the export read (it sees no row the files do
     *     not hold), recorded with the commit so a run's snapshot reads later rows again; or null
     * @return the new snapshot id
     */
    public long replace(
            Window w,
            List<DataFile> files,
            long startSnapshotId,
            @Nullable PgSnapshot sourceSnapshot)
            throws Exception {
        OverwriteFiles overwrite =
                table.newOverwrite()
                        .overwriteByRowFilter(WindowBounds.iceberg(archive, w))
                        .validateAddedFilesMatchOverwriteFilter();
        files.forEach(overwrite::addFile);
        long rows = files.stream().mapToLong(DataFile::recordCount).sum();
        overwrite
                .set(WindowCommitter.WINDOW, w.path())
                .set(WindowCommitter.KIND, ReplacedFiles.REPLAY)
                .set(WindowCommitter.ROWS, Long.toString(rows))
                .set(WindowCommitter.FILES, Integer.toString(files.size()));
        if (sourceSnapshot != null) {
            overwrite.set(WindowCommitter.SOURCE_SNAPSHOT, sourceSnapshot.toString());
        }
        if (startSnapshotId >= 0) {
            overwrite
                    .validateFromSnapshot(startSnapshotId)
                    .conflictDetectionFilter(WindowBounds.iceberg(archive, w))
                    .validateNoConflictingData()
                    .validateNoConflictingDeletes();
        }
        overwrite.commit();
        long id = table.currentSnapshot().snapshotId();
        Set<String> committed = new HashSet<>();
        files.forEach(f -> committed.add(Reconciler.normalized(f.location())));
        deleteOtherOutput(w, committed);
        String name = archive.id().toString();
        String now = Instant.now().toString();
        WindowManifest m =
                store.read(name, w.path())
                        .map(old -> old.withState(WindowState.COMMITTED, now))
                        .orElse(
                                new WindowManifest(
                                        WindowManifest.FORMAT_VERSION,
                                        name,
                                        w.path(),
                                        w.start(),
                                        w.end(),
                                        WindowState.COMMITTED,
                                        List.of(),
                                        List.of(),
                                        rows,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        now,
                                        null,
                                        null,
                                        now,
                                        null,
                                        null,
                                        List.of()));
        store.write(m);
        LOG.info(
                "Replayed window {} of {}: {} files, {} rows, snapshot {}",
                w,
                name,
                files.size(),
                rows,
                id);
        return id;
    }

    /**
     * Deletes files a replay wrote that the table does not hold, e.g. after the replace of their
     * window failed: readers of the window directories must not see them, and they must never be
     * appended. A file the table holds (a commit whose outcome was unknown did land) is kept.
     */
    public void discard(List<DataFile> files) throws IOException {
        Set<String> held = Reconciler.liveFiles(table);
        for (DataFile f : files) {
            Path p = new Path(f.location());
            if (!held.contains(Reconciler.normalized(f.location()))) {
                p.getFileSystem().delete(p, false);
                LOG.info("Deleted {}: written by this replay, not committed", p);
            }
        }
    }

    /**
     * Deletes the replay output in the window's directory other than what this replay committed:
     * files of a replay killed before its commit, or of an earlier replay this one replaced.
     */
    private void deleteOtherOutput(Window w, Set<String> committed) throws IOException {
        Path dir = new Path(archive.dataLocation() + "/" + w.path());
        for (Path p : StrayFiles.delete(dir, OUTPUT_PREFIX, committed)) {
            LOG.info("Deleted {}: replay output the window no longer holds", p);
        }
    }
}
