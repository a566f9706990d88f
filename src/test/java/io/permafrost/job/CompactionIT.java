package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;

/**
 * {@code run} writes a file per checkpoint and writer into an open window; once the window closes
 * and a later checkpoint completes, the job compacts it into one file, in Iceberg and on storage.
 */
class CompactionIT {

    @Test
    void aClosedWindowOfManySmallFilesEndsUpAsOneFile(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String db = EmbeddedPostgres.newDatabase("compaction");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks (height bigint PRIMARY KEY, hash bytea NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: blocks\n    window: {column: height, range: 100}\n",
                        "");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");
        Path windowDir = dir.resolve("warehouse/public/blocks/data/height=0-99");
        JobClient job = ContinuousIT.startRun(config);
        try {
            ContinuousIT.awaitStreaming(db);
            // Six batches, each in a checkpoint of its own (2 s interval): six files at least.
            for (int batch = 0; batch < 6; batch++) {
                int first = batch * 10;
                EmbeddedPostgres.execute(
                        db,
                        "INSERT INTO blocks SELECT g, decode(md5(g::text), 'hex')"
                                + " FROM generate_series("
                                + first
                                + ", "
                                + (first + 9)
                                + ") g");
                int files = batch + 1;
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> ContinuousIT.countParquet(windowDir) >= files);
            }
            assertThat(ContinuousIT.countParquet(windowDir)).isGreaterThanOrEqualTo(6);
            // Height 100 closes window 0-99.
            EmbeddedPostgres.execute(
                    db, "INSERT INTO blocks VALUES (100, decode(md5('100'), 'hex'))");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window height=0-99 60",
                                                    "compaction height=0-99 60"));
            assertThat(filesInTable(archive, "height=0-99")).hasSize(1);
            // The replaced files are deleted from storage right after the commit, not with it.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(ContinuousIT.countParquet(windowDir)).isEqualTo(1));
        } finally {
            job.cancel().get();
        }
        assertThat(archive.records())
                .extracting(r -> r.getField("height"))
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 60).boxed().toList());
    }

    private static List<String> filesInTable(Archive archive, String window) throws Exception {
        List<String> files = new java.util.ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = archive.table().newScan().planFiles()) {
            for (FileScanTask t : tasks) {
                if (t.file().location().contains("/" + window + "/")) {
                    files.add(t.file().location());
                }
            }
        }
        return files;
    }
}
