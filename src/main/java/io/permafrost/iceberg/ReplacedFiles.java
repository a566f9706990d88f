package io.permafrost.iceberg;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The files that compaction and replay snapshots took out of a window. They left the table but may
 * still be handed over again (committables replayed from an older checkpoint or savepoint, or a
 * file whose deletion a crash interrupted), and must never be appended again.
 */
public final class ReplacedFiles {

    /** Snapshot kind ({@code permafrost.kind}) of a window's compaction. */
    public static final String COMPACTION = "compaction";

    /** Snapshot kind of a window's replay ({@code permafrost replay}). */
    public static final String REPLAY = "replay";

    private ReplacedFiles() {}

    /** Whether the snapshot took files out of its window: a compaction or a replay. */
    public static boolean rewrites(Snapshot s) {
        String kind = s.summary().get(WindowCommitter.KIND);
        return COMPACTION.equals(kind) || REPLAY.equals(kind);
    }

    /** Paths of windows that some compaction or replay snapshot of the table rewrote. */
    public static Set<String> rewrittenWindows(Table table) {
        Set<String> windows = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            if (rewrites(s)) {
                windows.add(s.summary().get(WindowCommitter.WINDOW));
            }
        }
        return windows;
    }

    /** Locations of the files the compactions and replays of one window took out of the table. */
    public static Set<String> removedFrom(Table table, String window) {
        return removed(table, window, ReplacedFiles::rewrites);
    }

    public static boolean isCompaction(Snapshot s) {
        return COMPACTION.equals(s.summary().get(WindowCommitter.KIND));
    }

    /** Locations of the files the compactions of one window removed (reads their manifests). */
    public static Set<String> of(Table table, String window) {
        return removed(table, window, ReplacedFiles::isCompaction);
    }

    private static Set<String> removed(Table table, String window, Predicate<Snapshot> which) {
        Set<String> paths = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            if (which.test(s) && window.equals(s.summary().get(WindowCommitter.WINDOW))) {
                for (DataFile f : WindowCommitter.changes(table, s).removedDataFiles()) {
                    paths.add(f.location());
                }
            }
        }
        return paths;
    }
}
