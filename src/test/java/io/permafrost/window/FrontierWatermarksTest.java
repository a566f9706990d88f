package io.permafrost.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.model.Granularity;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import io.permafrost.schema.WindowColumnKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;

/** The frontier follows the commit clock of WAL rows and heartbeats, never snapshot rows. */
class FrontierWatermarksTest {

    private static final long CLOSE_AFTER = 60_000_000L;

    private final ArchiveTable table = table();
    private final FrontierWatermarks.Generator generator = new FrontierWatermarks.Generator(table);
    private final List<Long> emitted = new ArrayList<>();
    private final WatermarkOutput output =
            new WatermarkOutput() {
                @Override
                public void emitWatermark(Watermark w) {
                    emitted.add(w.getTimestamp());
                }

                @Override
                public void markIdle() {}

                @Override
                public void markActive() {}
            };

    @Test
    void snapshotRowsNeverMoveTheFrontier() {
        generator.onEvent(row("r", 5_000_000_000L), 0, output);
        generator.onPeriodicEmit(output);

        assertThat(emitted).isEmpty();
    }

    @Test
    void walRowsAndHeartbeatsMoveItToTheirCommitTimeLessCloseAfter() {
        generator.onEvent(row("c", 5_000_000_000L), 0, output);
        generator.onPeriodicEmit(output);
        generator.onEvent(row(ArchiveTable.HEARTBEAT_OP, 9_000_000_000L), 0, output);
        generator.onEvent(row("r", 99_000_000_000L), 0, output);
        generator.onPeriodicEmit(output);

        assertThat(emitted)
                .containsExactly(5_000_000_000L - CLOSE_AFTER, 9_000_000_000L - CLOSE_AFTER);
    }

    @Test
    void opsReadBackFromBinaryRowsCompareLikeFreshOnes() {
        // Rows that crossed a network channel carry binary strings, not Java strings.
        GenericRowData row = row("r", 7_000_000_000L);
        row.setField(table.opIndex(), BinaryStringData.fromBytes("r".getBytes()));
        generator.onEvent(row, 0, output);
        generator.onPeriodicEmit(output);

        assertThat(emitted).isEmpty();
    }

    private GenericRowData row(String op, long commitMicros) {
        GenericRowData row = new GenericRowData(table.arity());
        row.setField(table.opIndex(), StringData.fromString(op));
        row.setField(table.lsnIndex(), 1L);
        row.setField(
                table.commitTsIndex(),
                TimestampData.fromEpochMillis(
                        commitMicros / 1000, (int) (commitMicros % 1000) * 1000));
        if (!op.equals(ArchiveTable.HEARTBEAT_OP)) {
            row.setField(0, TimestampData.fromEpochMillis(commitMicros / 1000));
        }
        return row;
    }

    private static ArchiveTable table() {
        List<ColumnMapping> columns =
                List.of(
                        TypeMapping.map(
                                "events", new PgColumn("at", "timestamptz", 'b', -1, false, true)));
        PermafrostConfig.Table config =
                new PermafrostConfig.Table(
                        new TableId("public", "events"),
                        new WindowSpec.Time("at", Granularity.DAILY),
                        CLOSE_AFTER,
                        null,
                        List.of(),
                        0,
                        List.of());
        return new ArchiveTable(
                config,
                columns,
                ArchiveTables.desiredSchema(columns),
                "file:///tmp/unused",
                0,
                WindowColumnKind.TIMESTAMP,
                List.of());
    }
}
