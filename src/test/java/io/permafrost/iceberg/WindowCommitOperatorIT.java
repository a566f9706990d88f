package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.testing.DailyEvents;
import io.permafrost.testing.WindowFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.sink.FileSinkCommittable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.functions.sink.filesystem.InProgressFileWriter;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window committer's checkpoint protocol, driven by Flink's operator test harness against a
 * real Iceberg table: a window is compacted only after a checkpoint taken after its commit has
 * completed, a restore resumes a pending compaction, and committables of replaced files replayed
 * later are not appended again.
 */
class WindowCommitOperatorIT {

    @TempDir Path dir;

    private DailyEvents events;
    private PermafrostConfig config;
    private ArchiveTable archive;
    private Table table;

    @BeforeEach
    void setUp() {
        events = new DailyEvents(dir, "committer_operator");
        config = events.config;
        archive = events.archive;
        table = events.table;
    }

    @Test
    void compactsOnlyAfterACheckpointTakenAfterTheCommitAndResumesAfterARestore() throws Exception {
        Window w = day(0);
        List<DataFileRef> files = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            files.add(WindowFiles.write(archive, config.parquet(), w, i * 10L, 10));
        }
        OperatorSubtaskState afterCommit;
        try (var harness = harness()) {
            harness.initializeEmptyState();
            harness.open();
            harness.processWatermark(new Watermark(day(1).start()));
            harness.snapshot(1, 1);
            // FileSink's committer hands over checkpoint 1's files once it has completed.
            harness.notifyOfCompletedCheckpoint(1);
            handOver(harness, files, 1);
            assertThat(commits()).containsExactly("window " + w.path());

            // Checkpoint 1 completed before the commit: its state may still hold the files.
            harness.notifyOfCompletedCheckpoint(1);
            assertThat(commits()).containsExactly("window " + w.path());

            // Checkpoint 2 is the first taken after the commit; the job stops before it completes.
            afterCommit = harness.snapshot(2, 2);
        }
        assertThat(commits()).containsExactly("window " + w.path());

        try (var harness = harness()) {
            harness.initializeState(afterCommit);
            harness.open();
            harness.notifyOfCompletedCheckpoint(3);
            await().atMost(Duration.ofMinutes(1))
                    .untilAsserted(
                            () ->
                                    assertThat(commits())
                                            .containsExactly(
                                                    "window " + w.path(),
                                                    "compaction " + w.path()));
            table.refresh();
            assertThat(table.currentSnapshot().summary().get("total-data-files")).isEqualTo("1");

            // The replaced files' committables once more, as a restore from an older savepoint
            // would hand them over: nothing is appended (and their deleted files are not read).
            harness.processWatermark(new Watermark(day(1).start()));
            harness.snapshot(4, 4);
            harness.notifyOfCompletedCheckpoint(4);
            handOver(harness, files, 4);
        }
        assertThat(commits()).containsExactly("window " + w.path(), "compaction " + w.path());
        table.refresh();
        assertThat(table.currentSnapshot().summary().get("total-records")).isEqualTo("60");
    }

    private OneInputStreamOperatorTestHarness<CommittableMessage<FileSinkCommittable>, Void>
            harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new WindowCommitOperator(
                        archive,
                        events.plan.catalog(),
                        Long.MAX_VALUE,
                        config.parquet(),
                        config.warehouse(),
                        null));
    }

    /** What FileSink's committer emits for a completed checkpoint: a summary, then the files. */
    private static void handOver(
            OneInputStreamOperatorTestHarness<CommittableMessage<FileSinkCommittable>, Void>
                    harness,
            List<DataFileRef> files,
            long checkpointId)
            throws Exception {
        harness.processElement(
                new StreamRecord<>(
                        new CommittableSummary<>(0, 1, checkpointId, files.size(), 0, 0)));
        for (DataFileRef f : files) {
            InProgressFileWriter.PendingFileRecoverable pending =
                    new InProgressFileWriter.PendingFileRecoverable() {
                        @Override
                        public org.apache.flink.core.fs.Path getPath() {
                            return new org.apache.flink.core.fs.Path(f.path());
                        }

                        @Override
                        public long getSize() {
                            return f.size();
                        }
                    };
            harness.processElement(
                    new StreamRecord<>(
                            new CommittableWithLineage<>(
                                    new FileSinkCommittable(f.window(), pending),
                                    checkpointId,
                                    0)));
        }
    }

    /** The table's snapshots, oldest first, as "kind window". */
    private List<String> commits() {
        table.refresh();
        List<String> out = new ArrayList<>();
        if (table.currentSnapshot() == null) {
            return out;
        }
        for (Snapshot s :
                SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)) {
            out.add(
                    0,
                    s.summary().get(WindowCommitter.KIND)
                            + " "
                            + s.summary().get(WindowCommitter.WINDOW));
        }
        return out;
    }

    private Window day(int n) {
        return events.day(n);
    }
}
