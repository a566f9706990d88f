package io.permafrost.job;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ArchivedWindows;
import io.permafrost.model.ChangeEvent;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.sink.ArchiveSink;
import io.permafrost.source.ArchiveSourceFactory;
import io.permafrost.source.HeartbeatWriter;
import io.permafrost.source.PgSnapshot;
import io.permafrost.source.copy.CopySnapshotSource;
import io.permafrost.source.wal.WalSource;
import io.permafrost.window.FrontierWatermarks;
import io.permafrost.window.TableRouter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the archive job: per source group
 *
 * <pre>
 *  PostgreSQL ─► source ─────► TableRouter ─┬─► watermarks(table 1) ─► drop heartbeats ─► ArchiveSink(table 1)
 *  (snapshot,     (slot,        (one side    └─► watermarks(table n) ─► drop heartbeats ─► ArchiveSink(table n)
 *   then WAL)      pgoutput)     output per table)
 * </pre>
 *
 * The source of a run is {@link WalSource} (binary COPY of the slot's exported snapshot, then
 * pgoutput) or Flink CDC's, as {@code source.stream_reader} resolves; a backfill reads with {@link
 * CopySnapshotSource} (binary COPY, no slot) where it can, else with Flink CDC's snapshot. Operator
 * uids are derived from slot and table names and never change, so checkpoints restore.
 */
public final class ArchiveJob {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);

    /**
     * A backfill closes a window's file once the window had no row for this long: its snapshot read
     * moves on through a time-ordered table, so the file is written while the read goes on instead
     * of at the end, and memory holds only the windows being read. A continuous run does not: the
     * current window is never idle, and late rows of an idle one would each start a small file.
     */
    static final long BACKFILL_IDLE_ROLL_MILLIS = 1_000;

    private ArchiveJob() {}

    /**
     * @param closeLimits per table id, the end beyond which no window is committed by this job
     * @param archived per table id, the windows already in the archive
     * @param sourceSnapshot a backfill's snapshot, recorded with its commits; null for a run
     */
    public static void build(
            StreamExecutionEnvironment env,
            ArchivePlan plan,
            boolean bounded,
            Map<String, Long> closeLimits,
            Map<String, ArchivedWindows> archived,
            @Nullable PgSnapshot sourceSnapshot) {
        for (ArchivePlan.SourceGroup g : plan.groups()) {
            List<ArchiveTable> tables = g.tables();
            List<ArchivedWindows> archivedOf = new ArrayList<>();
            Map<Integer, Set<String>> skip = new HashMap<>();
            for (int i = 0; i < tables.size(); i++) {
                ArchivedWindows a =
                        archived.getOrDefault(tables.get(i).id().toString(), ArchivedWindows.NONE);
                archivedOf.add(a);
                skip.put(i, a.committed());
            }
            DataStream<ChangeEvent> events = source(env, plan, g, bounded, archivedOf);
            TableRouter router =
                    new TableRouter(
                            tables,
                            skip,
                            bounded
                                    ? null
                                    : new HeartbeatWriter.Spec(
                                            plan.config().source(), g.slot(), g.heartbeat()));
            SingleOutputStreamOperator<Void> routed =
                    events.process(router)
                            .uid("permafrost-router-" + g.slot())
                            .name("route by table");
            for (int i = 0; i < tables.size(); i++) {
                ArchiveTable t = tables.get(i);
                String name = t.id().flatName();
                int opIndex = t.opIndex();
                routed.getSideOutput(router.tags().get(i))
                        .assignTimestampsAndWatermarks(FrontierWatermarks.strategy(t))
                        .uid("permafrost-watermarks-" + name)
                        .name("frontier " + t.id())
                        .filter(new DropHeartbeats(opIndex))
                        .uid("permafrost-drop-heartbeats-" + name)
                        .name("rows " + t.id())
                        .sinkTo(
                                new ArchiveSink(
                                        t,
                                        plan.config().parquet(),
                                        plan.catalog(),
                                        closeLimits.getOrDefault(t.id().toString(), Long.MAX_VALUE),
                                        plan.config().warehouse(),
                                        bounded ? BACKFILL_IDLE_ROLL_MILLIS : 0,
                                        sourceSnapshot))
                        .uid("permafrost-files-" + name)
                        .name("parquet " + t.id());
            }
        }
    }

    private static DataStream<ChangeEvent> source(
            StreamExecutionEnvironment env,
            ArchivePlan plan,
            ArchivePlan.SourceGroup g,
            boolean bounded,
            List<ArchivedWindows> archived) {
        PermafrostConfig.Source s = plan.config().source();
        List<ArchiveTable> tables = g.tables();
        // The plan found every table readable by COPY (and created no publication): no check again.
        if (bounded && (plan.copyUnfit() == null || copyReaderFits(s, tables))) {
            return env.fromSource(
                            new CopySnapshotSource(s, tables),
                            WatermarkStrategy.noWatermarks(),
                            "PostgreSQL snapshot " + g.slot())
                    .uid("permafrost-snapshot-" + g.slot());
        }
        if (!bounded && s.streamReader() == PermafrostConfig.StreamReader.AUTO) {
            throw new IllegalStateException("stream_reader auto is resolved before a run is built");
        }
        if (!bounded && s.streamReader() == PermafrostConfig.StreamReader.PGOUTPUT) {
            // ArchivePlan.prepare checked that this reader can read the tables
            return env.fromSource(
                            WalSource.withSnapshot(
                                    s, g.slot(), tables, archived, g.heartbeat().id()),
                            WatermarkStrategy.noWatermarks(),
                            "PostgreSQL " + g.slot() + " (pgoutput)",
                            TypeInformation.of(ChangeEvent.class))
                    .uid("permafrost-pgoutput-" + g.slot());
        }
        return env.fromSource(
                        ArchiveSourceFactory.create(
                                s, g.slot(), g.chunkKey(), tables, g.partitioned(), bounded),
                        WatermarkStrategy.noWatermarks(),
                        "PostgreSQL " + g.slot())
                .uid("permafrost-source-" + g.slot());
    }

    /**
     * Whether a backfill reads these tables with binary COPY: the configured default, unless a
     * table needs what only Flink CDC's reader does (then the reason is logged).
     */
    static boolean copyReaderFits(PermafrostConfig.Source source, List<ArchiveTable> tables) {
        if (source.snapshotReader() != PermafrostConfig.SnapshotReader.COPY) {
            return false;
        }
        String reason;
        try {
            reason = CopySnapshotSource.unsupportedReason(source, tables);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot inspect the source tables: " + e.getMessage(), e);
        }
        if (reason != null) {
            LOG.warn(
                    "Reading {} with Flink CDC's snapshot reader, not binary COPY: {}",
                    tables.stream().map(t -> t.id().toString()).toList(),
                    reason);
            return false;
        }
        return true;
    }

    /** Heartbeat marker rows move the watermark; they are never written. */
    static final class DropHeartbeats implements FilterFunction<RowData> {
        private static final long serialVersionUID = 1L;
        // Made from bytes, so that equals() never materializes (mutates) this shared instance.
        private static final StringData HEARTBEAT_OP =
                StringData.fromBytes(ArchiveTable.HEARTBEAT_OP.getBytes(StandardCharsets.UTF_8));
        private final int opIndex;

        DropHeartbeats(int opIndex) {
            this.opIndex = opIndex;
        }

        @Override
        public boolean filter(RowData row) {
            return !HEARTBEAT_OP.equals(row.getString(opIndex));
        }
    }
}
