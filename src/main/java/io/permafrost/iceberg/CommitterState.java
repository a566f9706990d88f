package io.permafrost.iceberg;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the window committer must remember across a checkpoint: the watermark it had seen at each
 * checkpoint, how much of each checkpoint's committed files it has received, and the committed
 * files it has not yet appended to Iceberg, and the committed windows still to compact. Persisted
 * with {@link CommitterStateSerializer}.
 */
final class CommitterState {

    /** How much of one checkpoint's FileSink output has arrived. */
    static final class Progress {
        int numberOfSubtasks;
        final Set<Integer> summariesSeen = new HashSet<>();
        long expected;
        long received;

        boolean complete() {
            return numberOfSubtasks > 0
                    && summariesSeen.size() >= numberOfSubtasks
                    && received >= expected;
        }
    }

    final TreeMap<Long, Long> watermarkAtCheckpoint = new TreeMap<>();
    final TreeMap<Long, Progress> progress = new TreeMap<>();

    /** Pending files by path (replays after a restore arrive again and are ignored). */
    final Map<String, DataFileRef> pending = new LinkedHashMap<>();

    /**
     * Committed windows to compact, by window path, with the checkpoint after which it is safe: the
     * first one taken after the window's commit, whose state no longer holds the window's files.
     */
    final TreeMap<String, Long> toCompact = new TreeMap<>();

    Progress progress(long checkpointId) {
        return progress.computeIfAbsent(checkpointId, id -> new Progress());
    }

    List<DataFileRef> pendingFiles() {
        return new ArrayList<>(pending.values());
    }
}
