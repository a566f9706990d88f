package io.permafrost.iceberg;

import io.permafrost.source.PgSnapshot;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which rows of its committed windows the archive is known to hold, for a run that starts from a
 * new snapshot. A backfill records with its commits a PostgreSQL snapshot taken before it read
 * ({@link WindowCommitter#SOURCE_SNAPSHOT}): every row that snapshot sees is archived, while rows
 * written into the window later, or updated later, may not be. A run's commit records none: what
 * the run streamed into the window is not described by one snapshot, so such a window stays closed
 * to the next snapshot as before.
 *
 * <p>Per window the newest commit that says something decides: compactions and the start's
 * reconciliation (files a job wrote and the table lacked) move no rows in or out and are passed
 * over.
 */
public final class WindowCoverage {

    private static final Logger LOG = LoggerFactory.getLogger(WindowCoverage.class);

    private WindowCoverage() {}

    /**
     * Per window path, the recorded snapshot whose visible rows the window holds, for windows whose
     * deciding commit recorded one.
     */
    public static Map<String, PgSnapshot> recordedSnapshots(Table table) {
        Map<String, PgSnapshot> out = new HashMap<>();
        Snapshot current = table.currentSnapshot();
        if (current == null) {
            return out;
        }
        Set<String> decided = new HashSet<>();
        for (Snapshot s : SnapshotUtil.ancestorsOf(current.snapshotId(), table::snapshot)) {
            Map<String, String> summary = s.summary();
            String window = summary.get(WindowCommitter.WINDOW);
            if (window == null || decided.contains(window)) {
                continue;
            }
            String recorded = summary.get(WindowCommitter.SOURCE_SNAPSHOT);
            if (recorded == null
                    && (ReplacedFiles.isCompaction(s)
                            || Reconciler.AT_START.equals(summary.get(WindowCommitter.JOB_ID)))) {
                continue;
            }
            decided.add(window);
            if (recorded != null) {
                try {
                    out.put(window, PgSnapshot.parse(recorded));
                } catch (IllegalArgumentException e) {
                    LOG.warn(
                            "Window {}: snapshot {} recorded with commit {} is unreadable ({});"
                                    + " its rows are not read again",
                            window,
                            recorded,
                            s.snapshotId(),
                            e.getMessage());
                }
            }
        }
        return out;
    }
}
