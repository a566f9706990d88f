package io.permafrost.replay;

import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import java.time.Instant;
import java.util.List;
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

    private final ArchiveTable archive;
    private final Table table;
    private final ManifestStore store;

    public WindowReplacer(ArchiveTable archive, Table table, ManifestStore store) {
        this.archive = archive;
        this.table = table;
        this.store = store;
    }

    /**
     * @return the new snapshot id
     */
    public long replace(Window w, List<DataFile> files, long startSnapshotId) throws Exception {
        OverwriteFiles overwrite =
                table.newOverwrite().overwriteByRowFilter(WindowBounds.iceberg(archive, w));
        files.forEach(overwrite::addFile);
        long rows = files.stream().mapToLong(DataFile::recordCount).sum();
        overwrite
                .set(WindowCommitter.WINDOW, w.path())
                .set(WindowCommitter.KIND, "replay")
                .set(WindowCommitter.ROWS, Long.toString(rows))
                .set(WindowCommitter.FILES, Integer.toString(files.size()));
        if (startSnapshotId >= 0) {
            overwrite
                    .validateFromSnapshot(startSnapshotId)
                    .conflictDetectionFilter(WindowBounds.iceberg(archive, w))
                    .validateNoConflictingData()
                    .validateNoConflictingDeletes();
        }
        overwrite.commit();
        long id = table.currentSnapshot().snapshotId();
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
                                        null));
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
}
