package io.permafrost.sink;

import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.CheckpointRollingPolicy;
import org.apache.flink.table.data.RowData;

/**
 * Rolls part files at every checkpoint (bulk formats must) and when they reach the target size. The
 * size grows in row-group steps, so row groups are kept well below the target.
 */
public final class SizeRollingPolicy extends CheckpointRollingPolicy<RowData, String> {

    private static final long serialVersionUID = 1L;

    private final long targetBytes;

    public SizeRollingPolicy(long targetBytes) {
        this.targetBytes = targetBytes;
    }

    @Override
    public boolean shouldRollOnEvent(PartFileInfo<String> partFile, RowData element)
            throws java.io.IOException {
        return partFile.getSize() >= targetBytes;
    }

    @Override
    public boolean shouldRollOnProcessingTime(PartFileInfo<String> partFile, long currentTime) {
        return false;
    }
}
