package io.permafrost.source.copy;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.ReplicationSlots;
import io.permafrost.source.SourceConnections;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one snapshot (a repeatable-read transaction kept open until the job ends, as {@code
 * pg_dump --jobs} does), plans the splits once and hands them out on request. Every reader reads
 * its splits in the exported snapshot, so the backfill sees each table as of one moment. Each
 * reader reads runs of adjacent blocks ({@link ContiguousSplitAssigner}). After a failover a new
 * snapshot is exported for the splits not yet archived.
 *
 * <p>For a continuous run ({@code slot} given) the snapshot is the one the replication slot exports
 * as it is created, so that the slot streams exactly the transactions the snapshot does not see,
 * from {@link #consistentPoint()} on. That snapshot cannot be exported again after a failure, so
 * this enumerator declines every checkpoint until the snapshot is read: a failure before then
 * restarts the run from nothing, with a new slot. It reports the snapshot as backlog, so that with
 * {@code execution.checkpointing.interval-during-backlog: 0} (set for such runs) Flink schedules no
 * checkpoint until the stream's enumerator ends the backlog (only one scheduled before this report
 * may still come, and is declined).
 */
final class CopySnapshotEnumerator implements SplitEnumerator<CopySplit, CopyEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(CopySnapshotEnumerator.class);

    private final SplitEnumeratorContext<CopySplit> context;
    private final PermafrostConfig.Source source;
    private final List<ArchiveTable> tables;
    private ContiguousSplitAssigner assigner;
    private boolean planned;
    private Connection exporter;
    private String snapshot;
    @Nullable private final String slot;
    private long consistentPoint;

    CopySnapshotEnumerator(
            SplitEnumeratorContext<CopySplit> context,
            PermafrostConfig.Source source,
            List<ArchiveTable> tables,
            CopyEnumeratorState state,
            @Nullable String slot) {
        this.context = context;
        this.source = source;
        this.tables = tables;
        this.slot = slot;
        this.assigner = new ContiguousSplitAssigner(state.unassigned());
        this.planned = state.planned();
    }

    /** The LSN from which the slot streams what the snapshot does not hold (slot mode only). */
    public long consistentPoint() {
        return consistentPoint;
    }

    @Override
    public void start() {
        if (slot != null) {
            startFromSlot();
            return;
        }
        try {
            exporter = SourceConnections.open(source);
            try (Statement s = exporter.createStatement()) {
                s.execute("SET idle_in_transaction_session_timeout = 0");
            }
            exporter.setAutoCommit(false);
            exporter.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            exporter.setReadOnly(true);
            try (Statement s = exporter.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            if (!planned) {
                assigner =
                        new ContiguousSplitAssigner(
                                SplitPlanner.plan(exporter, tables, source.chunkSize()));
                planned = true;
                LOG.info(
                        "Snapshot {}: {} splits of {} table(s) to read with binary COPY",
                        snapshot,
                        assigner.remaining().size(),
                        tables.size());
            } else {
                LOG.info(
                        "Snapshot {}: {} splits left to read after a restart",
                        snapshot,
                        assigner.remaining().size());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot export a snapshot of " + source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void addReader(int subtaskId) {
        context.sendEventToSourceReader(subtaskId, new SnapshotEvent(snapshot, consistentPoint));
    }

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        CopySplit next = assigner.next(subtaskId);
        if (next != null) {
            context.assignSplit(next, subtaskId);
        } else {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<CopySplit> splits, int subtaskId) {
        assigner.addBack(splits, subtaskId);
    }

    private void startFromSlot() {
        if (planned) {
            throw new IllegalStateException(
                    "the snapshot of slot "
                            + slot
                            + " cannot be resumed: it is never checkpointed. Start afresh");
        }
        context.setIsProcessingBacklog(true);
        try (Connection c = SourceConnections.open(source)) {
            ReplicationSlots.dropLeftover(c, slot);
            exporter = SourceConnections.openReplication(source);
            ReplicationSlots.Created created = ReplicationSlots.create(exporter, slot);
            snapshot = created.snapshot();
            consistentPoint = created.consistentPoint();
            assigner =
                    new ContiguousSplitAssigner(SplitPlanner.plan(c, tables, source.chunkSize()));
            planned = true;
            LOG.info(
                    "Created replication slot {} at {}; its snapshot {}: {} splits of {} table(s)"
                            + " to read with binary COPY before the slot is streamed",
                    slot,
                    created.consistentPointText(),
                    snapshot,
                    assigner.remaining().size(),
                    tables.size());
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create replication slot " + slot + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CopyEnumeratorState snapshotState(long checkpointId) {
        if (slot != null) {
            LOG.info(
                    "Checkpoint {} declined: the snapshot of slot {} is read whole first (an"
                            + " exported snapshot cannot outlive a failure)",
                    checkpointId,
                    slot);
            throw new IllegalStateException(
                    "checkpoint "
                            + checkpointId
                            + " declined: the first snapshot of a run is read whole before the"
                            + " first checkpoint (its exported snapshot cannot outlive a failure)");
        }
        return new CopyEnumeratorState(planned, assigner.remaining());
    }

    @Override
    public void close() throws java.io.IOException {
        if (exporter != null) {
            try {
                exporter.close(); // ends the exporting transaction
            } catch (SQLException e) {
                throw new java.io.IOException(e);
            }
        }
    }
}
