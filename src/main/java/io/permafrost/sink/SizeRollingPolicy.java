package io.permafrost.sink;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.CheckpointRollingPolicy;
import org.apache.flink.table.data.RowData;

/**
 * Rolls part files at every checkpoint (bulk formats must), when they reach the target size, and,
 * if asked, once their window has had no row for a while. The size grows in row-group steps, so row
 * groups are kept well below the target.
 *
 * <p>The idle roll is for backfills: a snapshot read visits the windows of a time-ordered table one
 * after another, and without it every window visited since the last checkpoint keeps an open
 * Parquet writer (its whole row group in memory) until that checkpoint or the end of the input,
 * where all of them are written and synced at once while the cores have nothing else to do.
 *
 * <p>A part file's size is asked for every {@value #CHECK_EVERY} rows of its window, not every row:
 * on a local file system it is a system call (the stream's position), which a profile of a backfill
 * showed on every row, while the size only changes when a row group is flushed.
 */
public final class SizeRollingPolicy extends CheckpointRollingPolicy<RowData, String> {

    private static final long serialVersionUID = 1L;

    static final int CHECK_EVERY = 64;

    private final long targetBytes;

    /** Roll a part file whose window had no row for this long; 0: never. */
    private final long idleMillis;

    /** Rows since the last size check, per window (bucket); this subtask's own. */
    private transient Map<String, int[]> sinceCheck;

    public SizeRollingPolicy(long targetBytes) {
        this(targetBytes, 0);
    }

    /**
     * @param idleMillis roll a part file once its window had no row for this long (0: never); the
     *     sink checks every {@link #checkIntervalMillis()}
     */
    public SizeRollingPolicy(long targetBytes, long idleMillis) {
        if (idleMillis < 0) {
            throw new IllegalArgumentException("idleMillis must be >= 0, got " + idleMillis);
        }
        this.targetBytes = targetBytes;
        this.idleMillis = idleMillis;
    }

    /** How often the sink should offer its part files to {@link #shouldRollOnProcessingTime}. */
    public long checkIntervalMillis() {
        // FileSink's own default (60 s) when nothing rolls on time.
        return idleMillis == 0 ? 60_000 : Math.max(100, idleMillis / 2);
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
        return idleMillis > 0 && currentTime - partFile.getLastUpdateTime() >= idleMillis;
    }
}
