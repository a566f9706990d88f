package io.permafrost.iceberg;

import io.permafrost.compact.WindowCompactor;
import io.permafrost.model.Window;
import io.permafrost.replay.WindowReplacer;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.PgSnapshot;
import io.permafrost.storage.Listing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the committed Parquet files on storage with the files in the Iceberg table.
 *
 * <p>Flink 1.20 does not hand the files of a bounded job's last checkpoint to a post-commit
 * topology (FLINK-38614), so at the end of a backfill, and at every start, files that FileSink
 * committed (final names, never {@code .inprogress}) but Iceberg does not know are appended per
 * window. Files of windows never committed, left by a job that will not resume, are removed before
 * a fresh start re-archives those windows from the snapshot.
 */
public final class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    /** The job id of the commits a job's start makes ({@link WindowCommitter#JOB_ID}). */
    public static final String AT_START = "reconcile";

    private final Table table;
    private final ArchiveTable archive;

    public Reconciler(Table table, ArchiveTable archive) {
        this.table = table;
        this.archive = archive;
    }

    /** Windows that have at least one file in the Iceberg table. */
    public Set<String> committedWindows() {
        Set<String> windows = new HashSet<>();
        Path base = new Path(archive.dataLocation());
        for (String path : icebergFiles()) {
            String w = windowOf(base, new Path(path));
            if (w != null) {
                windows.add(w);
            }
        }
        return windows;
    }

    /**
     * Appends, one snapshot per window and all in one transaction, committed files Iceberg lacks in
     * windows that match.
     *
     * @param sourceSnapshot a backfill's snapshot, recorded with the commits; null for a run
     */
    public List<WindowCommitter.Result> commitMissing(
            Predicate<Window> which, String jobId, @Nullable PgSnapshot sourceSnapshot)
            throws IOException {
        Map<Window, List<DataFileRef>> missing = missing(which);
        if (missing.isEmpty()) {
            return List.of();
        }
        return new WindowCommitter(table, archive, jobId, sourceSnapshot).commitAll(missing, -1);
    }

    /** Deletes files Iceberg lacks in windows that match; returns how many. */
    public int removeOrphans(Predicate<Window> which) throws IOException {
        int removed = 0;
        for (Map.Entry<Window, List<DataFileRef>> e : missing(which).entrySet()) {
            for (DataFileRef f : e.getValue()) {
                Path p = new Path(f.path());
                p.getFileSystem().delete(p, false);
                removed++;
            }
            LOG.info(
                    "Removed {} unarchived files of window {} of {} (left by an earlier job; "
                            + "the snapshot writes them again)",
                    e.getValue().size(),
                    e.getKey(),
                    archive.id());
        }
        return removed;
    }

    private Map<Window, List<DataFileRef>> missing(Predicate<Window> which) throws IOException {
        Set<String> known = icebergFiles();
        Map<Window, List<DataFileRef>> out =
                new TreeMap<>((a, b) -> Long.compare(a.start(), b.start()));
        Path base = new Path(archive.dataLocation());
        FileSystem fs = base.getFileSystem();
        if (!fs.exists(base)) {
            return out;
        }
        List<FileStatus> files = new ArrayList<>();
        listFiles(fs, base, files);
        for (FileStatus f : files) {
            String name = f.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_") || !name.endsWith(".parquet")) {
                continue; // in-progress part files are hidden (dot) files
            }
            String path = f.getPath().toString();
            String windowPath = windowOf(base, f.getPath());
            if (windowPath == null || known.contains(path)) {
                continue;
            }
            if (name.startsWith(WindowCompactor.OUTPUT_PREFIX)) {
                // Written by a compaction that never committed: its rows are still in the files
                // it was to replace, so it must not be appended (and readers of the directory
                // must not see it).
                fs.delete(f.getPath(), false);
                LOG.info("Removed {}: the output of a compaction that did not commit", path);
                continue;
            }
            if (name.startsWith(WindowReplacer.OUTPUT_PREFIX)) {
                // Written by a replay that never committed (killed, or its replace failed): the
                // window's rows are in the files it was to replace. Never appended; the next
                // replay of the window deletes it.
                LOG.warn(
                        "Ignoring {}: the output of a replay that did not commit; replay the window"
                                + " again to remove it",
                        path);
                continue;
            }
            Window w;
            try {
                w = archive.window().parsePath(windowPath);
            } catch (IllegalArgumentException e) {
                LOG.warn("Ignoring {}: not in a window directory of {}", path, archive.id());
                continue;
            }
            if (which.test(w)) {
                out.computeIfAbsent(w, k -> new ArrayList<>())
                        .add(new DataFileRef(windowPath, path, f.getLen(), -1));
            }
        }
        return out;
    }

    private static void listFiles(FileSystem fs, Path dir, List<FileStatus> out)
            throws IOException {
        for (FileStatus c : Listing.children(fs, dir)) {
            if (c.isDir()) {
                listFiles(fs, c.getPath(), out);
            } else {
                out.add(c);
            }
        }
    }

    private Set<String> icebergFiles() {
        Set<String> paths = liveFiles(table);
        // Files a replay replaced are no longer in the table but must never come back: count
        // every file any snapshot added. (Files a compaction replaced are left out by
        // WindowCommitter, which every append here goes through.)
        for (org.apache.iceberg.Snapshot s : table.snapshots()) {
            if (ReplacedFiles.REPLAY.equals(s.summary().get(WindowCommitter.KIND))) {
                for (org.apache.iceberg.Snapshot older : table.snapshots()) {
                    WindowCommitter.changes(table, older)
                            .addedDataFiles()
                            .forEach(f -> paths.add(normalized(f.location())));
                }
                break;
            }
        }
        return paths;
    }

    /** The locations (Flink's normal form) of the files in the table's current snapshot. */
    public static Set<String> liveFiles(Table table) {
        Set<String> paths = new HashSet<>();
        table.refresh();
        if (table.currentSnapshot() == null) {
            return paths;
        }
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(t -> paths.add(normalized(t.file().location())));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return paths;
    }

    /**
     * A location as the file system lists it: Iceberg keeps locations as written ({@code
     * file:///a/b} for files Permafrost named, {@code file:/a/b} for FileSink's), listings give
     * Flink's normal form.
     */
    public static String normalized(String location) {
        return new Path(location).toString();
    }

    /** The window directory of a file below the data location, or null. */
    private static String windowOf(Path base, Path file) {
        String b = base.toUri().getPath();
        String p = file.getParent().toUri().getPath();
        if (!p.startsWith(b + "/")) {
            return null;
        }
        return p.substring(b.length() + 1);
    }
}
