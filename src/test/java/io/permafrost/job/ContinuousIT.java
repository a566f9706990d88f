package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigLoader;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Blocks;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Continuous archival: snapshot, then the WAL; windows close by the database's clock. Each test
 * runs with both readers of the slot: Flink CDC's, and Permafrost's own pgoutput reader.
 */
public class ContinuousIT {

    @TempDir Path dir;

    @ParameterizedTest(name = "stream_reader: {0}")
    @ValueSource(strings = {"cdc", "pgoutput"})
    void quietWindowsCloseByHeartbeatLiveRowsStayOpenLateRowsAmend(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("continuous_" + reader);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String h3 = ts(hour.minus(3, ChronoUnit.HOURS));
        String h2 = ts(hour.minus(2, ChronoUnit.HOURS));
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, note text)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '"
                        + h3
                        + "' + g * interval '1 minute', 'early ' || g"
                        + " FROM generate_series(1, 50) g",
                "INSERT INTO events SELECT 100 + g, timestamptz '"
                        + h2
                        + "' + g * interval '1 minute', 'later ' || g"
                        + " FROM generate_series(1, 50) g");
        int metricsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: created_at, granularity: hourly}\n    close_after: 0s\n",
                        "  metrics_port: " + metricsPort + "\n",
                        "  stream_reader: " + reader + "\n");
        Archive archive = new Archive(dir.resolve("warehouse"), "events");
        String w3 = windowPath(hour.minus(3, ChronoUnit.HOURS));
        String w2 = windowPath(hour.minus(2, ChronoUnit.HOURS));
        // Live rows carry the next hour, whose window cannot close while the test runs even if
        // the clock passes a full hour meanwhile.
        Instant next = hour.plus(1, ChronoUnit.HOURS);
        String open = windowPath(next);

        Instant started = Instant.now();
        JobClient job = startRun(config);
        try {
            // The table is quiet after the snapshot: only heartbeats move the frontier.
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window " + w3 + " 50",
                                                    "window " + w2 + " 50"));

            // Live rows of the current hour stay in an open window; a late row amends its closed
            // window.
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events SELECT 200 + g, timestamptz '"
                            + ts(next)
                            + "' + g * interval '1 minute', 'live ' || g FROM generate_series(1, 20) g",
                    "INSERT INTO events VALUES (999, timestamptz '"
                            + h3
                            + "' + interval '30 minutes 1 second', 'late')",
                    // two versions of one row in one transaction: each has its own _lsn
                    "DO $$ BEGIN UPDATE events SET note = 'first' WHERE id = 101;"
                            + " UPDATE events SET note = 'updated' WHERE id = 101; END $$",
                    "DELETE FROM events WHERE id = 102");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window " + w3 + " 50",
                                                    "window " + w2 + " 50",
                                                    "amendment " + w3 + " 1",
                                                    "amendment " + w2 + " 2"));
            // The open window's rows are written (files committed by FileSink) but not in Iceberg.
            Path openDir = dir.resolve("warehouse/public/events/data/" + open);
            await().atMost(Duration.ofMinutes(1)).until(() -> countParquet(openDir) > 0);
            assertThat(archive.commits()).noneMatch(c -> c.contains(open));
            // Flink's and Permafrost's metrics, scraped as Prometheus would.
            String metrics =
                    java.net.http.HttpClient.newHttpClient()
                            .send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    java.net.URI.create(
                                                            "http://localhost:"
                                                                    + metricsPort
                                                                    + "/metrics"))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString())
                            .body();
            assertThat(metrics)
                    .contains(
                            "rowsRead",
                            "windowsCommitted",
                            "rowsCommitted",
                            "sourceLagMs",
                            "slotRetainedWalBytes",
                            "oldestOpenWindowAgeMs",
                            "pendingFiles");
        } finally {
            job.cancel().get();
        }

        List<Record> rows = archive.records();
        assertThat(rows).hasSize(103);
        Record late =
                rows.stream().filter(r -> r.getField("id").equals(999L)).findFirst().orElseThrow();
        assertThat(late.getField("_op")).isEqualTo("c");
        assertThat((Long) late.getField("_lsn")).isPositive();
        assertThat(((java.time.OffsetDateTime) late.getField("_commit_ts")).toInstant())
                .as("the commit time of the late row, in the test's minutes")
                .isBetween(started, Instant.now());
        assertThat(
                        rows.stream()
                                .filter(r -> r.getField("id").equals(101L))
                                .map(r -> r.getField("_op") + ":" + r.getField("note")))
                .containsExactlyInAnyOrder("r:later 1", "u:first", "u:updated");
        assertThat(
                        rows.stream()
                                .filter(r -> r.getField("id").equals(101L))
                                .map(r -> r.getField("_lsn"))
                                .distinct())
                .as("every version of a row has its own _lsn")
                .hasSize(3);
        assertThat(
                        rows.stream()
                                .filter(r -> r.getField("id").equals(101L))
                                .max(java.util.Comparator.comparing(r -> (Long) r.getField("_lsn")))
                                .orElseThrow()
                                .getField("note"))
                .as("the latest version of a row is the one with the highest _lsn")
                .isEqualTo("updated");
        assertThat(rows.stream().filter(r -> r.getField("id").equals(102L)))
                .as("deletes are not archived")
                .hasSize(1);
    }

    @ParameterizedTest(name = "stream_reader: {0}")
    @ValueSource(strings = {"cdc", "pgoutput"})
    void heightWindowsCloseInOrderAsTheHighestHeightPasses(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("heights_" + reader);
        Blocks.create(db, 25);
        Path config =
                TestConfig.write(
                        dir, db, Blocks.TABLE_YAML, "", "  stream_reader: " + reader + "\n");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");
        JobClient job = startRun(config);
        try {
            awaitStreaming(db);
            Blocks.insert(db, 25, 34);
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window height=0-9 10",
                                                    "window height=10-19 10",
                                                    "window height=20-29 10"));
            Blocks.insert(db, 35, 45);
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window height=0-9 10",
                                                    "window height=10-19 10",
                                                    "window height=20-29 10",
                                                    "window height=30-39 10"));
        } finally {
            job.cancel().get();
        }
        assertThat(archive.records())
                .extracting(r -> r.getField("height"))
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.LongStream.range(0, 40).boxed().toList());
    }

    /** Starts {@code permafrost run} of a config in this JVM, as the CLI does. */
    static JobClient startRun(Path config) throws Exception {
        return new ArchiveRunner(
                        ConfigLoader.load(config), new ArchiveRunner.Options(false, null, false))
                .start();
    }

    /**
     * Waits until the job streams its slot, so that rows written from now on reach it through the
     * WAL, not in its snapshot: both readers confirm the slot (at a completed checkpoint) only once
     * they stream it, and the heartbeat keeps the WAL moving, so the slot's confirmed position
     * moves past the first one seen.
     */
    static void awaitStreaming(String db) {
        String[] first = {null};
        await().atMost(Duration.ofMinutes(2))
                .until(
                        () -> {
                            try (var c = EmbeddedPostgres.connect(db);
                                    var s = c.createStatement();
                                    var rs =
                                            s.executeQuery(
                                                    "SELECT confirmed_flush_lsn::text,"
                                                            + " confirmed_flush_lsn > coalesce(nullif('"
                                                            + (first[0] == null ? "" : first[0])
                                                            + "', '')::pg_lsn, 'FFFFFFFF/FFFFFFFF')"
                                                            + " FROM pg_replication_slots WHERE slot_name = '"
                                                            + db
                                                            + "'")) {
                                if (!rs.next() || rs.getString(1) == null) {
                                    return false;
                                }
                                if (first[0] == null) {
                                    first[0] = rs.getString(1);
                                    return false;
                                }
                                return rs.getBoolean(2);
                            }
                        });
    }

    public static String ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC).toString();
    }

    public static String windowPath(Instant hour) {
        var t = hour.atOffset(ZoneOffset.UTC);
        return String.format(
                "year=%04d/month=%02d/day=%02d/hour=%02d",
                t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour());
    }

    /** Committed Parquet files in a window directory, as a reader of the directory sees them. */
    static long countParquet(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".parquet") && !n.startsWith("."))
                    .count();
        }
    }
}
