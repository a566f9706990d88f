package io.permafrost.window;

import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowColumnKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;

/**
 * Watermarks that say "this window can no longer change", following the database's clock.
 *
 * <p>Time windows: the frontier is the newest commit time read from the WAL (heartbeat rows
 * included); the watermark is {@code frontier - close_after}. Range windows: the frontier is the
 * highest window value read from the WAL; the watermark is {@code frontier - close_after}. Snapshot
 * rows never move the frontier: they come in key order, not time order, so no window closes during
 * the snapshot. Readers that see no WAL (those that only read snapshot chunks) go idle and do not
 * hold the others back.
 */
public final class FrontierWatermarks {

    /** How long a reader without WAL events waits before it stops holding back the watermark. */
    public static final Duration IDLE_AFTER = Duration.ofSeconds(5);

    private FrontierWatermarks() {}

    public static WatermarkStrategy<RowData> strategy(ArchiveTable table) {
        WatermarkStrategy<RowData> s =
                WatermarkStrategy.<RowData>forGenerator(ctx -> new Generator(table))
                        .withTimestampAssigner(ctx -> new EventTime(table));
        return s.withIdleness(IDLE_AFTER);
    }

    /** Event time of a row is its normalized window column. */
    static final class EventTime implements TimestampAssigner<RowData> {
        private final ArchiveTable table;

        EventTime(ArchiveTable table) {
            this.table = table;
        }

        @Override
        public long extractTimestamp(RowData row, long previous) {
            if (row.isNullAt(table.windowColumn())) {
                return previous; // heartbeat marker rows have no window value
            }
            return table.windowKind().read(row, table.windowColumn());
        }
    }

    static final class Generator implements WatermarkGenerator<RowData> {
        // Made from bytes, so that equals() never materializes (mutates) these shared instances.
        private static final StringData SNAPSHOT_OP =
                StringData.fromBytes("r".getBytes(StandardCharsets.UTF_8));
        private static final StringData HEARTBEAT_OP =
                StringData.fromBytes(ArchiveTable.HEARTBEAT_OP.getBytes(StandardCharsets.UTF_8));
        private final int opIndex;
        private final int commitTsIndex;
        private final int windowColumn;
        private final WindowColumnKind kind;
        private final boolean timeWindows;
        private final long closeAfter;
        private long frontier = Long.MIN_VALUE;

        Generator(ArchiveTable table) {
            this.opIndex = table.opIndex();
            this.commitTsIndex = table.commitTsIndex();
            this.windowColumn = table.windowColumn();
            this.kind = table.windowKind();
            this.timeWindows = table.window() instanceof WindowSpec.Time;
            this.closeAfter = table.config().closeAfter();
        }

        @Override
        public void onEvent(RowData row, long eventTimestamp, WatermarkOutput output) {
            StringData op = row.getString(opIndex);
            if (op.equals(SNAPSHOT_OP)) {
                return;
            }
            long value;
            if (timeWindows) {
                value = WindowColumnKind.micros(row.getTimestamp(commitTsIndex, 6));
            } else if (op.equals(HEARTBEAT_OP)) {
                return;
            } else {
                value = kind.read(row, windowColumn);
            }
            frontier = Math.max(frontier, value);
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            if (frontier != Long.MIN_VALUE) {
                output.emitWatermark(new Watermark(frontier - closeAfter));
            }
        }
    }
}
