package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.BlockWriter;
import io.permafrost.testing.CliProcess;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job is killed (SIGKILL, no clean shutdown) mid-stream while rows keep arriving, then started
 * again with the same command: it resumes from its last checkpoint, and the archive holds every row
 * exactly once.
 */
class CrashResumeIT {

    static final int WINDOW = 200;

    @TempDir Path dir;

    @ParameterizedTest(name = "stream_reader: {0}")
    @ValueSource(strings = {"cdc", "pgoutput"})
    void killedMidStreamAndRestartedArchivesEveryRowExactlyOnce(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("crash_" + reader);
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks (height bigint PRIMARY KEY, data text NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL",
                "INSERT INTO blocks SELECT g, repeat('x', 50) || g FROM generate_series(0, 999) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: blocks\n    window: {column: height, range: " + WINDOW + "}\n",
                        "",
                        "  stream_reader: " + reader + "\n");
        Path log = dir.resolve("permafrost.log");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");

        BlockWriter writer = new BlockWriter(db, 1000);

        Process first = CliProcess.start(log, "run", "-c", config.toString());
        try {
            ContinuousIT.awaitStreaming(db);
            writer.start();
            await().atMost(Duration.ofMinutes(3)).until(() -> archive.commits().size() >= 7);
            Thread.sleep(
                    ThreadLocalRandom.current().nextLong(0, 3000)); // a random moment mid-stream
        } finally {
            first.destroyForcibly().waitFor();
        }
        int committedBeforeCrash = archive.commits().size();
        Thread.sleep(2000); // rows keep arriving while the archiver is down

        Process second = CliProcess.start(log, "run", "-c", config.toString());
        try {
            Thread.sleep(5000);
            long last = writer.stop();
            // One more row past the last window's end closes it.
            long closer = (last / WINDOW + 1) * WINDOW;
            EmbeddedPostgres.execute(db, "INSERT INTO blocks VALUES (" + closer + ", 'closer')");
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    archive.commits().stream()
                                                            .filter(c -> c.startsWith("window "))
                                                            .count())
                                            .as("windows committed below %d", closer)
                                            .isEqualTo(closer / WINDOW));
            second.destroyForcibly().waitFor();

            Map<Long, Integer> seen = new TreeMap<>();
            for (Record r : archive.records()) {
                seen.merge((Long) r.getField("height"), 1, Integer::sum);
            }
            assertThat(Files.readString(log)).contains("Resuming from checkpoint");
            assertThat(committedBeforeCrash).isGreaterThanOrEqualTo(7);
            for (long h = 0;
                    h <= last;
                    h++) { // every inserted height; the closer row itself stays in its open window
                assertThat(seen.get(h)).as("copies of height %d in the archive", h).isEqualTo(1);
            }
            assertThat(seen.keySet()).allMatch(h -> h <= last);
        } finally {
            writer.stop();
            second.destroyForcibly().waitFor();
        }
    }

    /**
     * With Permafrost's own reader, a run killed while it reads the snapshot its slot exported (no
     * checkpoint is taken before the snapshot is read) starts over with a new slot and a new
     * snapshot; rows inserted meanwhile are archived too, every row exactly once.
     */
    @Test
    void pgoutputRunKilledMidSnapshotStartsOverAndArchivesEveryRowExactlyOnce() throws Exception {
        String db = EmbeddedPostgres.newDatabase("crash_snapshot");
        int rows = 1_000_000;
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks (height bigint PRIMARY KEY, data text NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL",
                "INSERT INTO blocks SELECT g, repeat('x', 50) || g FROM generate_series(0, "
                        + (rows - 1)
                        + ") g",
                "ANALYZE blocks");
        int window = 100_000;
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: blocks\n    window: {column: height, range: " + window + "}\n",
                        "",
                        "  stream_reader: pgoutput\n");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace("  chunk_size: 500\n", "  chunk_size: 20000\n")
                        .replace("  checkpoint_interval: 2s\n", "  checkpoint_interval: 500ms\n"));
        Path log = dir.resolve("permafrost.log");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");
        BlockWriter writer = new BlockWriter(db, rows);
        writer.start();
        Process first = CliProcess.start(log, "run", "-c", config.toString());
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> Files.readString(log).contains("Created replication slot"));
            Thread.sleep(ThreadLocalRandom.current().nextLong(0, 1000));
        } finally {
            first.destroyForcibly().waitFor();
        }
        String firstLog = Files.readString(log);
        assertThat(firstLog)
                .as("killed before the snapshot was read and checkpointed")
                .doesNotContain("Streaming replication slot");

        Process second = CliProcess.start(log, "run", "-c", config.toString());
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(
                            () ->
                                    Files.readString(log)
                                            .substring(firstLog.length())
                                            .contains("Streaming replication slot"));
            Thread.sleep(2000);
            long last = writer.stop();
            long closer = (last / window + 1) * window;
            EmbeddedPostgres.execute(db, "INSERT INTO blocks VALUES (" + closer + ", 'closer')");
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(
                                                    archive.commits().stream()
                                                            .filter(c -> c.startsWith("window "))
                                                            .count())
                                            .isEqualTo(closer / window));
            second.destroyForcibly().waitFor();
            String secondLog = Files.readString(log).substring(firstLog.length());
            assertThat(secondLog)
                    .contains("Starting run without a checkpoint to resume")
                    .contains("Dropped replication slot " + db + " left by an earlier start");
            // Flink schedules the first checkpoint before the enumerator reports backlog, and
            // does not take it back; later ones wait until the snapshot is read.
            assertThat(secondLog.split("declined: the snapshot of slot", -1).length - 1)
                    .as("checkpoints declined while the slot's snapshot is read")
                    .isLessThanOrEqualTo(1);
            int[] copies = new int[(int) last + 1];
            for (Record r : archive.records()) {
                long h = (Long) r.getField("height");
                assertThat(h).isLessThanOrEqualTo(last);
                copies[(int) h]++;
            }
            for (int h = 0; h <= last; h++) {
                assertThat(copies[h]).as("copies of height %d in the archive", h).isEqualTo(1);
            }
        } finally {
            writer.stop();
            second.destroyForcibly().waitFor();
        }
    }

    /**
     * A backfill killed after its first checkpoint, at a random moment while binary COPY splits are
     * being read, resumes from that checkpoint: the splits it had archived are not read again, the
     * rest are, and every row is archived exactly once.
     */
    @Test
    void killedMidBackfillAndRestartedArchivesEveryRowExactlyOnce() throws Exception {
        String db = EmbeddedPostgres.newDatabase("crash_backfill");
        int rows = 1_000_000;
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE readings (id bigint PRIMARY KEY, note text NOT NULL)",
                "ALTER TABLE readings REPLICA IDENTITY FULL",
                "INSERT INTO readings SELECT g, 'reading ' || g FROM generate_series(0, "
                        + (rows - 1)
                        + ") g",
                "ANALYZE readings");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: readings\n    window: {column: id, range: 100000}\n",
                        "");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace("  chunk_size: 500\n", "  chunk_size: 20000\n")
                        // checkpoints early in a read of a few seconds, so the kill lands mid-read
                        .replace("  checkpoint_interval: 2s\n", "  checkpoint_interval: 500ms\n"));
        Path log = dir.resolve("permafrost.log");
        Path checkpoints = dir.resolve("warehouse/_flink/checkpoints");

        Process first = CliProcess.start(log, "backfill", "-c", config.toString());
        boolean killedWhileRunning;
        try {
            await().atMost(Duration.ofMinutes(3))
                    .until(() -> hasCompletedCheckpoint(checkpoints) || !first.isAlive());
            Thread.sleep(ThreadLocalRandom.current().nextLong(0, 500));
            killedWhileRunning = first.isAlive();
        } finally {
            first.destroyForcibly().waitFor();
        }
        assertThat(killedWhileRunning)
                .as(
                        "the first backfill was still running when killed; log:%n%s",
                        Files.readString(log))
                .isTrue();

        Process second = CliProcess.start(log, "backfill", "-c", config.toString());
        assertThat(second.waitFor(3, TimeUnit.MINUTES)).as("second backfill ends").isTrue();
        assertThat(second.exitValue()).as("exit code; log:%n%s", Files.readString(log)).isZero();
        assertThat(Files.readString(log))
                .contains("Resuming from checkpoint")
                .containsPattern("Snapshot \\S+: \\d+ splits left to read after a restart");

        Archive archive = new Archive(dir.resolve("warehouse"), "readings");
        assertThat(archive.commits())
                .filteredOn(c -> c.startsWith("window "))
                .hasSize(rows / 100_000);
        int[] copies = new int[rows];
        for (Record r : archive.records()) {
            copies[(int) (long) (Long) r.getField("id")]++;
        }
        for (int id = 0; id < rows; id++) {
            assertThat(copies[id]).as("copies of id %d in the archive", id).isEqualTo(1);
        }

        // The finished backfill leaves no checkpoint of its interrupted attempt: a later backfill
        // reads a new snapshot (resuming that one, it would read nothing new).
        assertThat(hasCompletedCheckpoint(checkpoints)).isFalse();
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO readings SELECT g, 'reading ' || g FROM generate_series("
                        + rows
                        + ", "
                        + (rows + 100_000)
                        + ") g");
        String before = Files.readString(log);
        Process third = CliProcess.start(log, "backfill", "-c", config.toString());
        assertThat(third.waitFor(3, TimeUnit.MINUTES)).as("third backfill ends").isTrue();
        String thirdLog = Files.readString(log).substring(before.length());
        assertThat(third.exitValue()).as("exit code; log:%n%s", thirdLog).isZero();
        assertThat(thirdLog).contains("Starting backfill without a checkpoint to resume");
        assertThat(archive.commits())
                .filteredOn(c -> c.startsWith("window "))
                .hasSize(rows / 100_000 + 1);
        assertThat(archive.records()).hasSize(rows + 100_000);
    }

    private static boolean hasCompletedCheckpoint(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(checkpoints)) {
            return files.anyMatch(p -> p.getFileName().toString().equals("_metadata"));
        }
    }
}
