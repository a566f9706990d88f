package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.model.Window;
import io.permafrost.replay.WindowReplacer;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.testing.DailyEvents;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window committer against a real Iceberg table (Hadoop catalog on the local disk) and real
 * Parquet files written by the archive's own writer: several windows in one transaction, one
 * snapshot each, and idempotency when the same files come again.
 */
class WindowCommitterIT {

    @TempDir Path dir;

    private DailyEvents events;
    private ArchiveTable archive;
    private Table table;
    private WindowCommitter committer;

    @BeforeEach
    void setUp() {
        events = new DailyEvents(dir, "committer");
        archive = events.archive;
        table = events.table;
        committer = new WindowCommitter(table, archive, "test-job");
    }

    @Test
    void commitsSeveralWindowsInOneMetadataWriteWithOneSnapshotEach() throws Exception {
        Map<Window, List<DataFileRef>> files = new LinkedHashMap<>();
        files.put(day(2), List.of(file(2, 5)));
        files.put(day(0), List.of(file(0, 3), file(0, 4)));
        files.put(day(1), List.of(file(1, 1)));
        int metadataBefore = metadataVersions();

        List<WindowCommitter.Result> results = committer.commitAll(files, 7);

        assertThat(results)
                .extracting(r -> r.window() + " " + r.kind() + " " + r.files() + " " + r.rows())
                .containsExactly(
                        day(0).path() + " window 2 7",
                        day(1).path() + " window 1 1",
                        day(2).path() + " window 1 5");
        assertThat(metadataVersions()).isEqualTo(metadataBefore + 1);
        table.refresh();
        List<Snapshot> snapshots = new ArrayList<>();
        table.snapshots().forEach(snapshots::add);
        assertThat(snapshots)
                .extracting(s -> s.summary().get(WindowCommitter.WINDOW))
                .containsExactly(day(0).path(), day(1).path(), day(2).path());
        assertThat(snapshots)
                .extracting(s -> s.summary().get(WindowCommitter.CHECKPOINT_ID))
                .containsOnly("7");
        assertThat(results)
                .extracting(WindowCommitter.Result::snapshotId)
                .containsExactlyElementsOf(snapshots.stream().map(Snapshot::snapshotId).toList());
        assertThat(rowsInTable()).isEqualTo(13);
        // Iceberg's own summary fields are complete: sizes, counts and totals.
        long total = 0;
        for (int i = 0; i < snapshots.size(); i++) {
            Map<String, String> summary = snapshots.get(i).summary();
            long added = 0;
            for (DataFileRef f : files.get(day(i))) {
                added += f.size();
            }
            total += added;
            assertThat(summary)
                    .containsEntry("added-files-size", Long.toString(added))
                    .containsEntry("total-files-size", Long.toString(total))
                    .containsEntry("added-data-files", Integer.toString(files.get(day(i)).size()))
                    .containsEntry("changed-partition-count", "1");
        }
    }

    @Test
    void theSameFilesAgainAddNothingAndNewOnesOfACommittedWindowAreAnAmendment() throws Exception {
        DataFileRef first = file(0, 3);
        committer.commitAll(Map.of(day(0), List.of(first)), 1);
        long snapshot = table.currentSnapshot().snapshotId();

        // A replay after a restore: the same file again, and again in one call.
        List<WindowCommitter.Result> again =
                committer.commitAll(Map.of(day(0), List.of(first, first)), 2);
        assertThat(again).extracting(WindowCommitter.Result::snapshotId).containsExactly(-1L);
        table.refresh();
        assertThat(table.currentSnapshot().snapshotId()).isEqualTo(snapshot);

        // Late rows of the committed window, with the replayed file, beside a new window.
        Map<Window, List<DataFileRef>> next = new LinkedHashMap<>();
        next.put(day(0), List.of(first, file(0, 2)));
        next.put(day(1), List.of(file(1, 4)));
        List<WindowCommitter.Result> results = committer.commitAll(next, 3);
        assertThat(results)
                .extracting(r -> r.window() + " " + r.kind() + " " + r.files() + " " + r.rows())
                .containsExactly(day(0).path() + " amendment 1 2", day(1).path() + " window 1 4");
        assertThat(rowsInTable()).isEqualTo(9);
        // A second committer (another job, same table) sees what the first committed.
        WindowCommitter other = new WindowCommitter(table, archive, "other-job");
        assertThat(other.commitAll(next, 4))
                .extracting(WindowCommitter.Result::snapshotId)
                .containsExactly(-1L, -1L);
        assertThat(rowsInTable()).isEqualTo(9);
    }

    /**
     * A restore from a checkpoint taken before a window was replayed hands the window's old files
     * over again: they left the table with the replay and must not come back.
     */
    @Test
    void filesAReplayTookOutOfAWindowAreNotAppendedAgain() throws Exception {
        DataFileRef first = file(0, 3);
        committer.commitAll(Map.of(day(0), List.of(first)), 1);
        table.refresh();
        DataFile committed;
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            committed = tasks.iterator().next().file();
        }
        DataFileRef rewritten = events.file(0, 0, 3);
        DataFile replayed =
                DataFiles.builder(table.spec())
                        .copy(committed)
                        .withPath(rewritten.path())
                        .withFileSizeInBytes(rewritten.size())
                        .build();
        new WindowReplacer(archive, table, new ManifestStore(events.config.warehouse()))
                .replace(day(0), List.of(replayed), table.currentSnapshot().snapshotId(), null);
        long afterReplay = table.currentSnapshot().snapshotId();

        List<WindowCommitter.Result> again = committer.commitAll(Map.of(day(0), List.of(first)), 1);

        assertThat(again).extracting(WindowCommitter.Result::snapshotId).containsExactly(-1L);
        table.refresh();
        assertThat(table.currentSnapshot().snapshotId()).isEqualTo(afterReplay);
        assertThat(rowsInTable()).isEqualTo(3);
    }

    /**
     * The compaction thread commits to the same table as the committer (here: a writer that keeps
     * committing under the same lock). Without the lock the committer's metadata swap lost to it
     * until Iceberg's retries ran out and the job failed over (seen on S3); here Iceberg does not
     * retry at all, so one lost swap would fail the test.
     */
    @Test
    void windowCommitsGoThroughWhileAnotherWriterInThisJvmKeepsCommitting() throws Exception {
        // No retries by Iceberg: a commit that loses its metadata swap even once fails.
        table.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "0").commit();
        Table other = events.loadTable();
        AtomicBoolean committing = new AtomicBoolean(true);
        CompletableFuture<Integer> writer =
                CompletableFuture.supplyAsync(
                        () -> {
                            int commits = 0;
                            ReentrantLock lock = TableCommitLock.of(archive.id());
                            while (committing.get()) {
                                lock.lock();
                                try {
                                    other.updateProperties()
                                            .set("test.commit", Integer.toString(commits++))
                                            .commit();
                                } finally {
                                    lock.unlock();
                                }
                                LockSupport.parkNanos(100_000);
                            }
                            return commits;
                        });
        List<DataFileRef> committed = new ArrayList<>();
        try {
            for (int day = 0; day < 12; day++) {
                DataFileRef f = file(day, 2);
                committed.add(f);
                assertThat(committer.commitAll(Map.of(day(day), List.of(f)), day + 1))
                        .extracting(WindowCommitter.Result::kind)
                        .containsExactly("window");
            }
        } finally {
            committing.set(false);
        }
        assertThat(writer.get())
                .as("the other writer's commits, none of which failed")
                .isPositive();
        assertThat(rowsInTable()).isEqualTo(24);
        assertThat(committed).hasSize(12);
    }

    private Window day(int n) {
        return events.day(n);
    }

    /** A committed Parquet file with {@code rows} rows of window {@code day}. */
    private DataFileRef file(int day, int rows) throws Exception {
        return events.file(day, day * 1000L, rows);
    }

    private int metadataVersions() {
        return ((HasTableOperations) table).operations().refresh().previousFiles().size() + 1;
    }

    private long rowsInTable() {
        return events.rowsInTable();
    }
}
