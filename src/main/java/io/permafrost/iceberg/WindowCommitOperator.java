package io.permafrost.iceberg;

import io.permafrost.compact.BackgroundCompactions;
import io.permafrost.compact.WindowCompactor;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.PgSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.connector.file.sink.FileSinkCommittable;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.functions.sink.filesystem.InProgressFileWriter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits one Iceberg snapshot per closed window, after FileSink has committed its files.
 *
 * <p>Runs with parallelism 1 behind FileSink's committers, which emit the files of checkpoint
 * {@code n} only after {@code n} completed, while watermarks pass through at once. So a window
 * {@code [s, e)} is ready only when every committer has reported some checkpoint {@code n} in full
 * and the watermark this operator had seen at {@code n} was already {@code >= e}: every row before
 * that watermark sat in a file rolled at a checkpoint {@code <= n}. (Flink's own filesystem table
 * sink uses the same rule.) Files of an already committed window become an amendment snapshot.
 * Replayed committables after a restore are deduplicated by path here and in {@link
 * WindowCommitter}. The windows made ready by one checkpoint are committed in one Iceberg
 * transaction (one snapshot each).
 *
 * <p>A committed window is compacted ({@link WindowCompactor}, on a thread of its own) once a
 * checkpoint taken after its commit has completed: from then on no checkpoint that a restart
 * resumes from hands its replaced files over again. Windows still to compact are part of the state.
 */
public final class WindowCommitOperator extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<CommittableMessage<FileSinkCommittable>, Void> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WindowCommitOperator.class);

    private final ArchiveTable archive;
    private final CatalogSpec catalogSpec;
    private final long closeLimit;
    private final PermafrostConfig.Parquet parquet;
    private final String warehouse;
    @Nullable private final PgSnapshot sourceSnapshot;

    private transient ListState<byte[]> stateHandle;
    private transient CommitterState state;
    private transient long currentWatermark;
    private transient WindowCommitter committer;
    private transient Catalog catalog;
    private transient Counter windowsCommitted;
    private transient Counter rowsCommitted;
    private transient BackgroundCompactions compactions;
    private transient Set<String> committedSinceSnapshot;
    private transient Map<String, Integer> compactionFailures;
    private transient Counter windowsCompacted;
    private transient Counter filesCompacted;

    /** Attempts at compacting one window per run of the job before it is left as it is. */
    private static final int COMPACTION_ATTEMPTS = 3;

    /**
     * @param closeLimit windows ending after this value are never committed by this job (the {@code
     *     --until} of a backfill); {@link Long#MAX_VALUE} for continuous archival
     * @param parquet file settings, also for compaction ({@code compaction_min_files} 0: none)
     * @param warehouse where the window manifests are (compaction leaves deleted windows alone)
     * @param sourceSnapshot a backfill's, recorded with each commit ({@link WindowCoverage}); null
     *     for a run
     */
    public WindowCommitOperator(
            ArchiveTable archive,
            CatalogSpec catalogSpec,
            long closeLimit,
            PermafrostConfig.Parquet parquet,
            String warehouse,
            @Nullable PgSnapshot sourceSnapshot) {
        this.sourceSnapshot = sourceSnapshot;
        this.archive = archive;
        this.catalogSpec = catalogSpec;
        this.closeLimit = closeLimit;
        this.parquet = parquet;
        this.warehouse = warehouse;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        stateHandle =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "permafrost-window-committer",
                                        BytePrimitiveArraySerializer.INSTANCE));
        state = new CommitterState();
        currentWatermark = Long.MIN_VALUE;
        for (byte[] bytes : stateHandle.get()) {
            state =
                    SimpleVersionedSerialization.readVersionAndDeSerialize(
                            CommitterStateSerializer.INSTANCE, bytes);
        }
        if (context.isRestored()) {
            LOG.info(
                    "Restored window committer of {}: {} pending files",
                    archive.id(),
                    state.pending.size());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        catalog = catalogSpec.open();
        committer =
                new WindowCommitter(
                        catalog.loadTable(ArchiveTables.identifier(archive.id())),
                        archive,
                        getRuntimeContext().getJobInfo().getJobId().toString(),
                        sourceSnapshot);
        windowsCommitted = getMetricGroup().counter("windowsCommitted");
        rowsCommitted = getMetricGroup().counter("rowsCommitted");
        getMetricGroup().gauge("pendingFiles", () -> state.pending.size());
        getMetricGroup().gauge("oldestOpenWindowAgeMs", this::oldestOpenWindowAgeMs);
        committedSinceSnapshot = new HashSet<>();
        compactionFailures = new HashMap<>();
        windowsCompacted = getMetricGroup().counter("windowsCompacted");
        filesCompacted = getMetricGroup().counter("filesCompacted");
        getMetricGroup().gauge("windowsToCompact", () -> state.toCompact.size());
        if (parquet.compactionMinFiles() > 0) {
            // A table object of its own: the compaction thread refreshes and commits through it.
            Table compactorTable = catalog.loadTable(ArchiveTables.identifier(archive.id()));
            compactions =
                    new BackgroundCompactions(
                            new WindowCompactor(
                                    compactorTable, archive, parquet, new ManifestStore(warehouse)),
                            archive.window(),
                            "permafrost-compaction-" + archive.id().flatName());
        } else {
            state.toCompact.clear(); // compaction turned off since the checkpoint was taken
        }
    }

    @Override
    public void processElement(StreamRecord<CommittableMessage<FileSinkCommittable>> element) {
        CommittableMessage<FileSinkCommittable> message = element.getValue();
        if (message instanceof CommittableSummary<FileSinkCommittable> summary) {
            CommitterState.Progress p = state.progress(summary.getCheckpointIdOrEOI());
            p.numberOfSubtasks = summary.getNumberOfSubtasks();
            if (p.summariesSeen.add(summary.getSubtaskId())) {
                p.expected += summary.getNumberOfCommittables();
            }
            tryCommit();
        } else if (message instanceof CommittableWithLineage<FileSinkCommittable> lineage) {
            long checkpointId = lineage.getCheckpointIdOrEOI();
            FileSinkCommittable c = lineage.getCommittable();
            if (c.hasPendingFile()) {
                InProgressFileWriter.PendingFileRecoverable file = c.getPendingFile();
                if (file.getPath() == null) {
                    throw new IllegalStateException(
                            "FileSink reported a committed file without its path (state from Flink < 1.15?)");
                }
                String path = file.getPath().toString();
                state.pending.putIfAbsent(
                        path, new DataFileRef(c.getBucketId(), path, file.getSize(), checkpointId));
            }
            state.progress(checkpointId).received++;
            tryCommit();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        currentWatermark = Math.max(currentWatermark, mark.getTimestamp());
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.watermarkAtCheckpoint.put(context.getCheckpointId(), currentWatermark);
        collectCompactions();
        for (String window : committedSinceSnapshot) {
            state.toCompact.put(window, context.getCheckpointId());
        }
        committedSinceSnapshot.clear();
        stateHandle.update(
                List.of(
                        SimpleVersionedSerialization.writeVersionAndSerialize(
                                CommitterStateSerializer.INSTANCE, state)));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (compactions == null) {
            return;
        }
        collectCompactions();
        for (Map.Entry<String, Long> e : state.toCompact.entrySet()) {
            if (e.getValue() <= checkpointId && !compactions.isRunning(e.getKey())) {
                compactions.submit(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Takes the finished compactions off the list (unless the window was committed again since it
     * was submitted); a failed one stays on it for another attempt, a few times.
     */
    private void collectCompactions() {
        if (compactions == null) {
            return;
        }
        for (BackgroundCompactions.Done d : compactions.finished()) {
            if (d.error() != null) {
                int failures = compactionFailures.merge(d.window(), 1, Integer::sum);
                if (failures < COMPACTION_ATTEMPTS) {
                    continue;
                }
                LOG.warn(
                        "Leaving window {} of {} uncompacted after {} failed attempts",
                        d.window(),
                        archive.id(),
                        failures);
            }
            compactionFailures.remove(d.window());
            if (d.result() != null) {
                windowsCompacted.inc();
                filesCompacted.inc(d.result().filesIn());
            }
            state.toCompact.remove(d.window(), d.eligibleAt());
        }
    }

    /** Commits every window made ready by the newest fully received checkpoint. */
    private void tryCommit() {
        long ready = Long.MIN_VALUE;
        long readyWatermark = Long.MIN_VALUE;
        for (Map.Entry<Long, CommitterState.Progress> e : state.progress.entrySet()) {
            if (e.getValue().complete()) {
                ready = e.getKey();
                readyWatermark =
                        ready == CommittableMessage.EOI
                                ? currentWatermark
                                : state.watermarkAtCheckpoint.getOrDefault(ready, Long.MIN_VALUE);
            }
        }
        if (ready == Long.MIN_VALUE) {
            return;
        }
        TreeMap<String, List<DataFileRef>> byWindow = new TreeMap<>();
        for (DataFileRef f : state.pending.values()) {
            if (f.checkpointId() <= ready) {
                byWindow.computeIfAbsent(f.window(), w -> new ArrayList<>()).add(f);
            }
        }
        Map<Window, List<DataFileRef>> closed = new LinkedHashMap<>();
        for (Map.Entry<String, List<DataFileRef>> e : byWindow.entrySet()) {
            Window w = archive.window().parsePath(e.getKey());
            if (w.closedBy(readyWatermark) && w.end() <= closeLimit) {
                closed.put(w, e.getValue());
            }
        }
        if (!closed.isEmpty()) {
            for (WindowCommitter.Result r : committer.commitAll(closed, ready)) {
                if (r.snapshotId() >= 0) {
                    windowsCommitted.inc();
                    rowsCommitted.inc(r.rows());
                }
            }
            closed.values().forEach(files -> files.forEach(f -> state.pending.remove(f.path())));
            if (compactions != null) {
                closed.keySet().forEach(w -> committedSinceSnapshot.add(w.path()));
            }
        }
        state.progress.headMap(ready, true).clear();
        Iterator<Long> it = state.watermarkAtCheckpoint.keySet().iterator();
        while (it.hasNext() && it.next() < ready) {
            it.remove();
        }
    }

    /**
     * For time windows, how long ago the oldest window with files not yet in Iceberg started; -1
     * when there is none (or for range windows, which have no age).
     */
    private long oldestOpenWindowAgeMs() {
        if (!(archive.window() instanceof io.permafrost.model.WindowSpec.Time)) {
            return -1;
        }
        long oldest = Long.MAX_VALUE;
        for (DataFileRef f : List.copyOf(state.pending.values())) {
            oldest = Math.min(oldest, archive.window().parsePath(f.window()).start());
        }
        return oldest == Long.MAX_VALUE
                ? -1
                : Math.max(0, System.currentTimeMillis() - oldest / 1000);
    }

    @Override
    public void close() throws Exception {
        if (compactions != null) {
            compactions.close();
        }
        if (catalog instanceof AutoCloseable closeable) {
            closeable.close();
        }
        super.close();
    }
}
