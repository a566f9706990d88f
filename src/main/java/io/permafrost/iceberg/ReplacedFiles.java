package io.permafrost.iceberg;

import java.util.HashSet;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The files that compaction snapshots took out of a window. They left the table but may still be
 * handed over again (committables replayed from an older checkpoint or savepoint, or a file whose
 * deletion a crash interrupted), and must never be appended again.
 */
public final class ReplacedFiles {

    /** Snapshot kind ({@code permafrost.kind}) of a window's compaction. */
    public static final String COMPACTION = "compaction";

    private ReplacedFiles() {}

    public static boolean isCompaction(Snapshot s) {
        return COMPACTION.equals(s.summary().get(WindowCommitter.KIND));
    }

    /** Paths of windows that some compaction snapshot of the table rewrote. */
    public static Set<String> compactedWindows(Table table) {
        Set<String> windows = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            if (isCompaction(s)) {
                windows.add(s.summary().get(WindowCommitter.WINDOW));
            }
        }
        return windows;
    }

    /** Locations of the files the compactions of one window removed (reads their manifests). */
    public static Set<String> of(Table table, String window) {
        Set<String> paths = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            if (isCompaction(s) && window.equals(s.summary().get(WindowCommitter.WINDOW))) {
                for (DataFile f : s.removedDataFiles(table.io())) {
                    paths.add(f.location());
                }
            }
        }
        return paths;
    }
}
