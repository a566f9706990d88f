package io.permafrost.sink;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.CheckpointRollingPolicy;
import org.apache.flink.table.data.RowData;

/**
 * Rolls part files at every checkpoint (bulk formats must) and when they reach the target size. The
 * size grows in row-group steps, so row groups are kept well below the target.
 *
 * <p>A part file's size is asked for every {@value #CHECK_EVERY} rows of its window, not every row:
 * on a local file system it is a system call (the stream's position), which a profile of a backfill
 * showed on every row, while the size only changes when a row group is flushed.
 */
public final class SizeRollingPolicy extends CheckpointRollingPolicy<RowData, String> {

    private static final long serialVersionUID = 1L;

    static final int CHECK_EVERY = 64;

    private final long targetBytes;

    /** Rows since the last size check, per window (bucket); this subtask's own. */
    private transient Map<String, int[]> sinceCheck;

    public SizeRollingPolicy(long targetBytes) {
        this.targetBytes = targetBytes;
    }

    @Override
    public boolean shouldRollOnEvent(PartFileInfo<String> partFile, RowData element)
            throws IOException {
        if (sinceCheck == null) {
            sinceCheck = new HashMap<>();
        }
        int[] rows = sinceCheck.computeIfAbsent(partFile.getBucketId(), b -> new int[1]);
        if (++rows[0] < CHECK_EVERY) {
            return false;
        }
        rows[0] = 0;
        return partFile.getSize() >= targetBytes;
    }

    @Override
    public boolean shouldRollOnCheckpoint(PartFileInfo<String> partFile) {
        if (sinceCheck != null) {
            sinceCheck.remove(partFile.getBucketId());
        }
        return true;
    }

    @Override
    public boolean shouldRollOnProcessingTime(PartFileInfo<String> partFile, long currentTime) {
        return false;
    }
}
