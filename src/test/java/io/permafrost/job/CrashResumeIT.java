package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.CliProcess;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job is killed (SIGKILL, no clean shutdown) mid-stream while rows keep arriving, then started
 * again with the same command: it resumes from its last checkpoint, and the archive holds every row
 * exactly once.
 */
class CrashResumeIT {

    static final int WINDOW = 200;

    @TempDir Path dir;

    @Test
    void killedMidStreamAndRestartedArchivesEveryRowExactlyOnce() throws Exception {
        String db = EmbeddedPostgres.newDatabase("crash");
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
                        "");
        Path log = dir.resolve("permafrost.log");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");

        AtomicLong next = new AtomicLong(1000);
        AtomicBoolean inserting = new AtomicBoolean(true);
        Thread writer =
                new Thread(
                        () -> {
                            while (inserting.get()) {
                                long from = next.get();
                                EmbeddedPostgres.execute(
                                        db,
                                        "INSERT INTO blocks SELECT g, repeat('x', 50) || g FROM generate_series("
                                                + from
                                                + ", "
                                                + (from + 49)
                                                + ") g");
                                next.addAndGet(50);
                                try {
                                    Thread.sleep(100);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        });

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
            inserting.set(false);
            writer.join();
            long last = next.get() - 1;
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
            inserting.set(false);
            second.destroyForcibly().waitFor();
        }
    }
}
