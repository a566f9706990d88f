package io.permafrost.window;

import io.permafrost.model.ChangeEvent;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.HeartbeatWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the change stream into one row stream per table (side outputs). Heartbeats go, as marker
 * rows, to every table with time windows, so their frontier keeps moving on a quiet database.
 * Snapshot rows of windows that an earlier job already committed are skipped, unless the reader
 * read them again ({@code _lsn > 0}: written since the window's backfill). Logs progress. In
 * continuous runs its first subtask also writes the heartbeats ({@link HeartbeatWriter}).
 */
public final class TableRouter extends ProcessFunction<ChangeEvent, Void> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TableRouter.class);
    private static final long PROGRESS_INTERVAL_MS = 10_000;

    private final List<ArchiveTable> tables;
    private final List<OutputTag<RowData>> tags;
    private final Map<Integer, Set<String>> committedWindows;
    private final HeartbeatWriter.Spec heartbeat;

    private transient long[] snapshotRows;
    private transient long[] streamRows;
    private transient long[] skippedRows;
    private transient long[] reReadRows;
    private transient Counter[] rowCounters;
    private transient long lastProgress;
    private transient boolean streaming;
    private transient HeartbeatWriter heartbeatWriter;
    private transient volatile long lastCommitMicros;

    /**
     * @param heartbeat where the first subtask writes heartbeats; null for bounded runs
     */
    public TableRouter(
            List<ArchiveTable> tables,
            Map<Integer, Set<String>> committedWindows,
            HeartbeatWriter.Spec heartbeat) {
        this.tables = List.copyOf(tables);
        this.committedWindows = Map.copyOf(committedWindows);
        this.heartbeat = heartbeat;
        List<OutputTag<RowData>> t = new ArrayList<>();
        for (ArchiveTable table : tables) {
            t.add(tagOf(table));
        }
        this.tags = t;
    }

    public static OutputTag<RowData> tagOf(ArchiveTable table) {
        return new OutputTag<>(
                "rows-" + table.id().flatName(), InternalTypeInfo.of(table.rowType()));
    }

    public List<OutputTag<RowData>> tags() {
        return tags;
    }

    @Override
    public void open(OpenContext ctx) {
        int n = tables.size();
        snapshotRows = new long[n];
        streamRows = new long[n];
        skippedRows = new long[n];
        reReadRows = new long[n];
        rowCounters = new Counter[n];
        for (int i = 0; i < n; i++) {
            rowCounters[i] =
                    getRuntimeContext()
                            .getMetricGroup()
                            .addGroup("table", tables.get(i).id().toString())
                            .counter("rowsRead");
        }
        lastProgress = System.currentTimeMillis();
        lastCommitMicros = Long.MIN_VALUE;
        // Source lag: how far the newest commit read from the WAL is behind the wall clock.
        getRuntimeContext()
                .getMetricGroup()
                .gauge(
                        "sourceLagMs",
                        () ->
                                lastCommitMicros == Long.MIN_VALUE
                                        ? -1L
                                        : Math.max(
                                                0,
                                                System.currentTimeMillis()
                                                        - lastCommitMicros / 1000));
        if (heartbeat != null && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            heartbeatWriter = HeartbeatWriter.start(heartbeat);
            getRuntimeContext()
                    .getMetricGroup()
                    .gauge("slotRetainedWalBytes", heartbeatWriter::retainedWalBytes);
        }
    }

    @Override
    public void processElement(ChangeEvent e, Context ctx, Collector<Void> out) {
        if (e.commitMicros() != Long.MIN_VALUE) {
            lastCommitMicros = Math.max(lastCommitMicros, e.commitMicros());
            if (!streaming) {
                streaming = true; // the snapshot is read: say what it held
                logProgress();
            }
        }
        if (e.isHeartbeat()) {
            for (int i = 0; i < tables.size(); i++) {
                if (tables.get(i).window() instanceof WindowSpec.Time) {
                    ctx.output(tags.get(i), heartbeatRow(tables.get(i), e.commitMicros()));
                }
            }
        } else {
            int t = e.table();
            ArchiveTable table = tables.get(t);
            boolean snapshot = e.commitMicros() == Long.MIN_VALUE;
            boolean readAgain = snapshot && e.row().getLong(table.lsnIndex()) != 0;
            if (snapshot && !readAgain && skip(t, table, e.row())) {
                skippedRows[t]++;
            } else {
                if (readAgain) {
                    reReadRows[t]++;
                } else if (snapshot) {
                    snapshotRows[t]++;
                } else {
                    streamRows[t]++;
                }
                rowCounters[t].inc();
                ctx.output(tags.get(t), e.row());
            }
        }
        long now = System.currentTimeMillis();
        if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
            lastProgress = now;
            logProgress();
        }
    }

    private boolean skip(int t, ArchiveTable table, RowData row) {
        Set<String> done = committedWindows.get(t);
        if (done == null || done.isEmpty()) {
            return false;
        }
        long v = table.windowKind().read(row, table.windowColumn());
        return done.contains(table.window().windowOf(v).path());
    }

    private void logProgress() {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        for (int i = 0; i < tables.size(); i++) {
            if (snapshotRows[i] + streamRows[i] + skippedRows[i] + reReadRows[i] > 0) {
                LOG.info(
                        "Progress {} (reader {}): {} snapshot rows, {} change rows read{}{}",
                        tables.get(i).id(),
                        subtask,
                        snapshotRows[i],
                        streamRows[i],
                        skippedRows[i] > 0
                                ? ", " + skippedRows[i] + " skipped (window already archived)"
                                : "",
                        reReadRows[i] > 0
                                ? ", "
                                        + reReadRows[i]
                                        + " of archived windows read again (written since their"
                                        + " backfill)"
                                : "");
            }
        }
    }

    @Override
    public void close() {
        if (heartbeatWriter != null) {
            heartbeatWriter.close();
        }
        if (snapshotRows != null) {
            logProgress();
        }
    }

    static RowData heartbeatRow(ArchiveTable table, long commitMicros) {
        GenericRowData row = new GenericRowData(table.arity());
        row.setField(table.opIndex(), StringData.fromString(ArchiveTable.HEARTBEAT_OP));
        row.setField(table.lsnIndex(), 0L);
        row.setField(
                table.commitTsIndex(),
                TimestampData.fromEpochMillis(
                        Math.floorDiv(commitMicros, 1000L),
                        (int) Math.floorMod(commitMicros, 1000L) * 1000));
        return row;
    }
}
