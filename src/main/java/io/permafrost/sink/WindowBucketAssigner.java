package io.permafrost.sink;

import io.permafrost.model.Window;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.WindowColumnKind;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.table.data.RowData;

/**
 * One bucket per window: the bucket id is the window's Hive-style path, computed from the row's own
 * window column (never from processing time or the watermark).
 */
public final class WindowBucketAssigner implements BucketAssigner<RowData, String> {

    private static final long serialVersionUID = 1L;

    private final WindowSpec window;
    private final int column;
    private final WindowColumnKind kind;

    public WindowBucketAssigner(WindowSpec window, int column, WindowColumnKind kind) {
        this.window = window;
        this.column = column;
        this.kind = kind;
    }

    /** The window of the previous row: rows mostly come in runs of one window. */
    private transient Window last;

    @Override
    public String getBucketId(RowData row, Context context) {
        long value = kind.read(row, column);
        Window w = last;
        if (w == null || value < w.start() || value >= w.end()) {
            w = window.windowOf(value);
            last = w;
        }
        return w.path();
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
