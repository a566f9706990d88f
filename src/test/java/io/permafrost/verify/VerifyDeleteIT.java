package io.permafrost.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.permafrost.config.ConfigLoader;
import io.permafrost.job.ArchiveRunner;
import io.permafrost.job.ContinuousIT;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification and the proven delete, on a real PostgreSQL and a real archive. */
class VerifyDeleteIT {

    static final String D15 = "year=2024/month=01/day=15";
    static final String D16 = "year=2024/month=01/day=16";
    static final String D17 = "year=2024/month=01/day=17";

    @TempDir Path dir;

    private String archived(String prefix, String extraConfig) {
        String db = EmbeddedPostgres.newDatabase(prefix);
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text, payload bytea)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '2024-01-15 00:00:00+00' + g * interval '15 minutes',"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g END,"
                        + " CASE WHEN g % 4 = 0 THEN NULL ELSE sha256(g::text::bytea) END"
                        + " FROM generate_series(0, 287) g");
        TestConfig.write(
                dir,
                db,
                "  - name: events\n    window: {column: at, granularity: daily}\n    retention: 0s\n",
                extraConfig);
        Cli backfill = Cli.run("backfill", "-c", config().toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        return db;
    }

    private Path config() {
        return dir.resolve("permafrost.yaml");
    }

    /** {@code permafrost replay} of table events, windows in [from, to). */
    private Cli replay(String from, String to, String... options) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "replay",
                                "-c",
                                config().toString(),
                                "--table",
                                "events",
                                "--from",
                                from,
                                "--to",
                                to));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    private WindowManifest manifest(String window) throws Exception {
        return new ManifestStore(dir.resolve("warehouse").toUri().toString())
                .read("public.events", window)
                .orElseThrow();
    }

    @Test
    void cleanArchiveVerifiesAndTheProvenDeleteRemovesExactlyTheVerifiedRows() throws Exception {
        String db = archived("verify_clean", "");
        Cli verify = Cli.run("verify", "-c", config().toString());
        assertThat(verify.code).as("%s", verify).isZero();
        assertThat(verify.out).contains("3 window(s): 0 failed");
        for (String w : List.of(D15, D16, D17)) {
            WindowManifest m = manifest(w);
            assertThat(m.state()).isEqualTo(WindowState.VERIFIED);
            assertThat(m.rows()).isEqualTo(96);
            assertThat(m.fingerprint()).isEqualTo(m.source().fingerprint()).hasSize(32);
            assertThat(m.files()).isNotEmpty();
            assertThat(m.snapshotIds()).hasSize(1);
        }
        Cli again = Cli.run("verify", "-c", config().toString());
        assertThat(again.out).contains("unchanged since verified");

        Cli dry = Cli.run("delete", "-c", config().toString(), "--dry-run");
        assertThat(dry.code).as("%s", dry).isZero();
        assertThat(dry.out)
                .contains("would delete rows: 96 rows in PostgreSQL, 96 proven archived");
        assertThat(count(db, "SELECT count(*) FROM events")).isEqualTo(288);
        assertThat(manifest(D15).state()).isEqualTo(WindowState.VERIFIED);

        // A row written into a verified window must make its delete roll back, not vanish.
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO events VALUES (1000, timestamptz '2024-01-16 12:34:00+00', 'late', NULL)");
        Cli delete = Cli.run("delete", "-c", config().toString());
        assertThat(delete.code).as("%s", delete).isEqualTo(1);
        assertThat(manifest(D15).state()).isEqualTo(WindowState.DELETED);
        assertThat(manifest(D15).deletion().rows()).isEqualTo(96);
        assertThat(manifest(D17).state()).isEqualTo(WindowState.DELETED);
        assertThat(manifest(D16).state()).isEqualTo(WindowState.FAILED);
        assertThat(manifest(D16).failure().reason())
                .contains("would remove 97 rows", "proves 96 rows", "rolled back");
        assertThat(
                        count(
                                db,
                                "SELECT count(*) FROM events WHERE at < '2024-01-16' OR at >= '2024-01-17'"))
                .isZero();
        assertThat(
                        count(
                                db,
                                "SELECT count(*) FROM events WHERE at >= '2024-01-16' AND at < '2024-01-17'"))
                .isEqualTo(97);

        Cli nothingLeft = Cli.run("delete", "-c", config().toString());
        assertThat(nothingLeft.out).contains("0 window(s) deleted");
    }

    @Test
    void aWindowWhoseArchiveChangedSinceItWasVerifiedIsNotDeletedUntilVerifiedAgain()
            throws Exception {
        String db = archived("verify_changed", "");
        assertThat(Cli.run("verify", "-c", config().toString()).code).isZero();
        assertThat(manifest(D15).state()).isEqualTo(WindowState.VERIFIED);
        // A new snapshot of the window after its verification, its manifest left VERIFIED (as a
        // crash right after a compaction's commit would leave it).
        org.apache.iceberg.Table table =
                new io.permafrost.testing.Archive(dir.resolve("warehouse"), "events").table();
        table.newAppend()
                .set(io.permafrost.iceberg.WindowCommitter.WINDOW, D15)
                .set(io.permafrost.iceberg.WindowCommitter.KIND, "compaction")
                .commit();

        Cli delete = Cli.run("delete", "-c", config().toString());

        assertThat(delete.code).as("%s", delete).isZero();
        assertThat(delete.out)
                .containsPattern(
                        D15
                                + "\\s+VERIFIED\\s+96\\s+not deleted: the archive changed since it was"
                                + " verified");
        assertThat(manifest(D15).state()).isEqualTo(WindowState.VERIFIED);
        assertThat(manifest(D16).state()).isEqualTo(WindowState.DELETED);
        assertThat(count(db, "SELECT count(*) FROM events")).isEqualTo(96);

        // Verified again (same rows), it goes.
        assertThat(Cli.run("verify", "-c", config().toString()).code).isZero();
        assertThat(Cli.run("delete", "-c", config().toString()).code).isZero();
        assertThat(manifest(D15).state()).isEqualTo(WindowState.DELETED);
        assertThat(count(db, "SELECT count(*) FROM events")).isZero();
    }

    @Test
    void tamperingIsCaughtWithTheRightReasonAndReported() throws Exception {
        List<String> posts = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext(
                "/hook",
                ex -> {
                    posts.add(
                            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                    ex.sendResponseHeaders(204, -1);
                    ex.close();
                });
        hook.start();
        try {
            String db =
                    archived(
                            "verify_tamper",
                            "verify:\n  webhook_url: http://127.0.0.1:"
                                    + hook.getAddress().getPort()
                                    + "/hook\n");
            // an archived file removed
            Files.delete(archivedFiles(D15).get(0));
            // a row changed in PostgreSQL after archiving (no job running: nothing replicates it)
            EmbeddedPostgres.execute(db, "UPDATE events SET note = 'changed' WHERE id = 100");
            // a row the archive does not have, and a row PostgreSQL no longer has
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events VALUES (5000, timestamptz '2024-01-17 08:00:00+00', 'unarchived', NULL)",
                    "DELETE FROM events WHERE id = 250");

            Cli verify = Cli.run("verify", "-c", config().toString());
            assertThat(verify.code).as("%s", verify).isEqualTo(1);
            assertThat(manifest(D15).state()).isEqualTo(WindowState.FAILED);
            assertThat(manifest(D15).failure().reason()).contains("missing from storage");
            assertThat(manifest(D16).state()).isEqualTo(WindowState.FAILED);
            assertThat(manifest(D16).failure().reason())
                    .contains("same row count (96) but the content differs");
            assertThat(manifest(D16).failure().exampleKeys())
                    .containsExactly("id=100: values differ");
            assertThat(manifest(D17).state()).isEqualTo(WindowState.FAILED);
            // one row more and one row less: the count matches, the fingerprint and key range do
            // not
            assertThat(manifest(D17).failure().reason())
                    .contains("same row count (96) but the content differs", "key range differs");
            assertThat(manifest(D17).failure().exampleKeys())
                    .containsExactlyInAnyOrder(
                            "id=250: not in PostgreSQL", "id=5000: missing in the archive");
            await().atMost(Duration.ofSeconds(10)).until(() -> posts.size() == 3);
            assertThat(String.join("\n", posts))
                    .contains(D15, D16, D17, "permafrost.window.failed");

            Cli again = Cli.run("verify", "-c", config().toString());
            assertThat(again.out).contains("failed before; --force to verify again");
            assertThat(Cli.run("delete", "-c", config().toString()).out)
                    .contains("0 window(s) deleted");
            assertThat(count(db, "SELECT count(*) FROM events")).isEqualTo(288);

            EmbeddedPostgres.execute(db, "UPDATE events SET note = 'note 100' WHERE id = 100");
            Cli forced =
                    Cli.run(
                            "verify",
                            "-c",
                            config().toString(),
                            "--force",
                            "--from",
                            D16,
                            "--to",
                            D17);
            assertThat(forced.out).contains(D16, "VERIFIED").contains("1 window(s): 0 failed");
        } finally {
            hook.stop(0);
        }
    }

    @Test
    void replayRepairsAFailedWindowAndNeverTouchesADeletedOne() throws Exception {
        String db = archived("replay", "");
        // D15 verified and deleted; D16 then diverges from its archive.
        assertThat(Cli.run("verify", "-c", config().toString()).code).isZero();
        assertThat(Cli.run("delete", "-c", config().toString(), "--table", "events").code).isZero();
        assertThat(manifest(D15).state()).isEqualTo(WindowState.DELETED);
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO events VALUES (7000, timestamptz '2024-01-16 06:00:00+00', 'inserted later', NULL)");
        // D16 and D17 were deleted too by the delete above (retention 0s): put rows back to replay.
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO events SELECT g, timestamptz '2024-01-18 00:00:00+00' + (g - 10000) * interval '1 minute', 'd18', NULL"
                        + " FROM generate_series(10000, 10009) g");
        assertThat(Cli.run("backfill", "-c", config().toString()).code).isZero();
        assertThat(Cli.run("verify", "-c", config().toString()).code).isZero();
        String d18 = "year=2024/month=01/day=18";
        assertThat(manifest(d18).state()).isEqualTo(WindowState.VERIFIED);
        EmbeddedPostgres.execute(
                db, "UPDATE events SET note = 'fixed in the source' WHERE id = 10003");
        assertThat(Cli.run("verify", "-c", config().toString(), "--force", "--from", d18).code)
                .isEqualTo(1);
        assertThat(manifest(d18).state()).isEqualTo(WindowState.FAILED);

        Cli dry = replay("2024-01-15", "2024-01-19", "--dry-run");
        assertThat(dry.code).as("%s", dry).isZero();
        assertThat(dry.out)
                .contains(D15 + " ", "skipped: already deleted")
                .contains(d18 + " ", "would replace with 10 rows")
                .contains("window(s) would be replayed");
        Cli replay = replay(d18, "2024-01-19");
        assertThat(replay.code).as("%s", replay).isZero();
        assertThat(replay.out).contains("replaced: 1 files, 10 rows");
        assertThat(manifest(d18).state()).isEqualTo(WindowState.COMMITTED);
        Cli verify = Cli.run("verify", "-c", config().toString(), "--from", d18);
        assertThat(verify.code).as("%s", verify).isZero();
        assertThat(manifest(d18).state()).isEqualTo(WindowState.VERIFIED);
        // A later start must not bring the replaced files back.
        assertThat(Cli.run("backfill", "-c", config().toString()).code).isZero();
        assertThat(Cli.run("verify", "-c", config().toString(), "--from", d18).out)
                .contains("unchanged since verified");
        assertThat(replay("nonsense", d18).code).isEqualTo(2);
    }

    /**
     * Windows re-exported in parallel finish in any order: each window must get its own files back.
     * The first window is made much larger so that it finishes last.
     */
    @Test
    void replayOfSeveralWindowsPutsEachWindowsOwnFilesBack() throws Exception {
        String db = archived("replay_many", "");
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO events SELECT g, timestamptz '2024-01-15 00:00:00+00'"
                        + " + (g - 100000) * interval '1 second', 'late ' || g, NULL"
                        + " FROM generate_series(100000, 129999) g");
        Cli replay = replay(D15, "2024-01-18");
        assertThat(replay.code).as("%s", replay).isZero();
        assertThat(replay.out)
                .containsPattern(D15 + " +replaced: \\d+ files, 30096 rows")
                .containsPattern(D16 + " +replaced: \\d+ files, 96 rows")
                .containsPattern(D17 + " +replaced: \\d+ files, 96 rows")
                .contains("3 window(s) replayed");
        Cli verify = Cli.run("verify", "-c", config().toString());
        assertThat(verify.code).as("%s", verify).isZero();
        assertThat(verify.out).contains("3 window(s): 0 failed");
        assertThat(manifest(D15).rows()).isEqualTo(30096);
        assertThat(manifest(D16).rows()).isEqualTo(96);
        assertThat(manifest(D17).rows()).isEqualTo(96);

        // A replay killed between writing and committing leaves replay-*.parquet behind: a
        // later start must not append it, and the next replay of the window removes it.
        Path d16 = dir.resolve("warehouse/public/events/data/" + D16);
        Path written;
        try (var files = Files.list(d16)) {
            written =
                    files.filter(f -> f.getFileName().toString().startsWith("replay-"))
                            .findFirst()
                            .orElseThrow();
        }
        Path leftover = d16.resolve("replay-left-by-a-killed-replay.parquet");
        Files.copy(written, leftover);
        assertThat(Cli.run("backfill", "-c", config().toString()).code).isZero();
        Cli again = Cli.run("verify", "-c", config().toString(), "--force");
        assertThat(again.code).as("%s", again).isZero();
        assertThat(manifest(D16).rows()).isEqualTo(96);
        Cli replayD16 = replay(D16, "2024-01-17");
        assertThat(replayD16.code).as("%s", replayD16).isZero();
        assertThat(leftover).doesNotExist();
        assertThat(written).as("the earlier replay's file, replaced").doesNotExist();
        try (var files = Files.list(d16)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("replay-")))
                    .hasSize(1);
        }
    }

    @Test
    void aWindowThatIsExactlyOnePartitionIsDetachedProvenAndDropped() throws Exception {
        String db = EmbeddedPostgres.newDatabase("verify_part");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE readings (sensor int NOT NULL, at date NOT NULL, value float8, PRIMARY KEY (sensor, at))"
                        + " PARTITION BY RANGE (at)",
                "CREATE TABLE readings_2024_02 PARTITION OF readings FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
                "CREATE TABLE readings_2024_03 PARTITION OF readings FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
                "INSERT INTO readings SELECT s, date '2024-02-20' + d, s * d FROM generate_series(1, 5) s, generate_series(0, 19) d");
        TestConfig.write(
                dir,
                db,
                "  - name: readings\n    window: {column: at, granularity: monthly}\n    retention: 0s\n",
                "");
        assertThat(Cli.run("backfill", "-c", config().toString()).code).isZero();
        assertThat(Cli.run("verify", "-c", config().toString()).code).isZero();
        Cli delete = Cli.run("delete", "-c", config().toString(), "--table", "readings");
        assertThat(delete.code).as("%s", delete).isZero();
        assertThat(delete.out).contains("detach-drop").contains("2 window(s) deleted: 100 rows");
        assertThat(count(db, "SELECT count(*) FROM readings")).isZero();
        assertThat(
                        count(
                                db,
                                "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'readings_2024%'"))
                .isZero();
    }

    @Test
    void aLateRowMakesAnAmendmentAndTheWindowIsVerifiedAgain() throws Exception {
        String db = EmbeddedPostgres.newDatabase("verify_late");
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String h2 = ContinuousIT.ts(hour.minus(2, ChronoUnit.HOURS));
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL)",
                "INSERT INTO events SELECT g, timestamptz '"
                        + h2
                        + "' + g * interval '1 minute' FROM generate_series(1, 30) g");
        TestConfig.write(
                dir,
                db,
                "  - name: events\n    window: {column: at, granularity: hourly}\n    close_after: 0s\n",
                "");
        String window = ContinuousIT.windowPath(hour.minus(2, ChronoUnit.HOURS));
        JobClient job =
                new ArchiveRunner(
                                ConfigLoader.load(config()),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> Cli.run("verify", "-c", config().toString()).out.contains(window));
            assertThat(manifest(window).state()).isEqualTo(WindowState.VERIFIED);
            List<Long> before = manifest(window).snapshotIds();
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events VALUES (99, timestamptz '"
                            + h2
                            + "' + interval '45 minutes')");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () -> {
                                Cli v = Cli.run("verify", "-c", config().toString());
                                assertThat(manifest(window).snapshotIds()).hasSize(2);
                                assertThat(manifest(window).state())
                                        .as("%s", v)
                                        .isEqualTo(WindowState.VERIFIED);
                            });
            assertThat(manifest(window).rows()).isEqualTo(31);
            assertThat(manifest(window).snapshotIds()).startsWith(before.get(0));
        } finally {
            job.cancel().get();
        }
    }

    private List<Path> archivedFiles(String window) throws Exception {
        try (var files = Files.list(dir.resolve("warehouse/public/events/data/" + window))) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
        }
    }

    private static long count(String db, String sql) throws Exception {
        try (Connection c = EmbeddedPostgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
