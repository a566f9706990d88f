package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.replay.WindowReplacer;
import io.permafrost.source.PgSnapshot;
import io.permafrost.testing.DailyEvents;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which commit decides a window's recorded snapshot, on a real Iceberg table. */
class WindowCoverageIT {

    static final PgSnapshot BACKFILL = PgSnapshot.parse("100:105:101");
    static final PgSnapshot REPLAY = PgSnapshot.parse("900:900:");

    @TempDir Path dir;

    private DailyEvents events;
    private Table table;

    @BeforeEach
    void setUp() {
        events = new DailyEvents(dir, "coverage");
        table = events.table;
    }

    @Test
    void theNewestCommitThatMovesRowsDecides() throws Exception {
        WindowCommitter backfill =
                new WindowCommitter(table, events.archive, "backfill-job", BACKFILL);
        backfill.commitAll(
                Map.of(
                        events.day(0), List.of(events.file(0, 0, 2)),
                        events.day(1), List.of(events.file(1, 100, 2)),
                        events.day(2), List.of(events.file(2, 200, 2)),
                        events.day(3), List.of(events.file(3, 300, 2))),
                1);
        assertThat(WindowCoverage.recordedSnapshots(table))
                .containsOnlyKeys(
                        events.day(0).path(),
                        events.day(1).path(),
                        events.day(2).path(),
                        events.day(3).path())
                .containsValue(BACKFILL);

        // day 0: a run's late rows; its stream is no snapshot, the window is closed to the next
        new WindowCommitter(table, events.archive, "run-job")
                .commit(events.day(0), List.of(events.file(0, 50, 1)), 7);
        // day 1: files a job left, appended at a start, and a compaction: neither moves rows
        new WindowCommitter(table, events.archive, Reconciler.AT_START)
                .commit(events.day(1), List.of(events.file(1, 150, 1)), -1);
        table.newAppend()
                .set(WindowCommitter.WINDOW, events.day(1).path())
                .set(WindowCommitter.KIND, ReplacedFiles.COMPACTION)
                .commit();
        // day 2: replayed with the snapshot taken before its export
        table.refresh();
        DataFile old;
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            old =
                    StreamSupport.stream(tasks.spliterator(), false)
                            .map(FileScanTask::file)
                            .filter(f -> f.location().contains(events.day(2).path()))
                            .findFirst()
                            .orElseThrow();
        }
        DataFileRef again = events.file(2, 200, 2);
        new WindowReplacer(events.archive, table, new ManifestStore(events.config.warehouse()))
                .replace(
                        events.day(2),
                        List.of(
                                DataFiles.builder(table.spec())
                                        .copy(old)
                                        .withPath(again.path())
                                        .withFileSizeInBytes(again.size())
                                        .build()),
                        -1,
                        REPLAY);
        table.refresh();

        Map<String, PgSnapshot> recorded = WindowCoverage.recordedSnapshots(table);

        assertThat(recorded)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                events.day(1).path(), BACKFILL,
                                events.day(2).path(), REPLAY,
                                events.day(3).path(), BACKFILL));
    }

    @Test
    void anEmptyTableOrOneWrittenWithoutSnapshotsRecordsNothing() throws Exception {
        assertThat(WindowCoverage.recordedSnapshots(table)).isEmpty();
        new WindowCommitter(table, events.archive, "older-version")
                .commit(events.day(0), List.of(events.file(0, 0, 2)), 1);
        assertThat(WindowCoverage.recordedSnapshots(table)).isEmpty();
    }
}
