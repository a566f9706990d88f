package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigLoader;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowState;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backfill, then rows written into the windows it archived before a run starts: the run's
 * snapshot reads exactly those rows again (the windows' recorded backfill snapshot does not see
 * them), so every window verifies without a replay.
 */
class BackfillThenRunIT {

    static final String D14 = "year=2024/month=01/day=14";
    static final String D15 = "year=2024/month=01/day=15";
    static final String D16 = "year=2024/month=01/day=16";
    static final String D17 = "year=2024/month=01/day=17";

    @TempDir Path dir;

    @Test
    void rowsWrittenIntoArchivedWindowsBeforeTheRunAreArchivedByItsSnapshot() throws Exception {
        String db = EmbeddedPostgres.newDatabase("backfill_then_run");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval"
                        + " '15 minutes', 'note ' || g FROM generate_series(0, 383) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n"
                                + "    window: {column: at, granularity: daily}\n"
                                + "    retention: 0s\n",
                        "");
        try (Connection open = EmbeddedPostgres.connect(db)) {
            // A transaction of the application that the backfill sees in progress.
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO events VALUES (1000, '2024-01-17 12:01:00+00', 'open')");
            }
            Cli backfill = Cli.run("backfill", "-c", config.toString());
            assertThat(backfill.code).as("%s", backfill).isZero();
            open.commit();
        }
        EmbeddedPostgres.execute(
                db,
                "UPDATE events SET note = 'changed' WHERE id = 110", // day 15
                "INSERT INTO events VALUES (2000, '2024-01-16 03:03:00+00', 'late a'),"
                        + " (2001, '2024-01-16 20:20:00+00', 'late b')");
        Archive archive = new Archive(dir.resolve("warehouse"), "events");
        assertThat(archive.commits())
                .containsExactly(
                        "window " + D14 + " 96",
                        "window " + D15 + " 96",
                        "window " + D16 + " 96",
                        "window " + D17 + " 96");

        JobClient run =
                new ArchiveRunner(
                                ConfigLoader.load(config),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .contains(
                                                    "amendment " + D15 + " 1",
                                                    "amendment " + D16 + " 2",
                                                    "amendment " + D17 + " 1"));
        } finally {
            run.cancel().get();
        }
        // Only what the backfill could not have seen was read again.
        assertThat(archive.commits()).filteredOn(c -> c.contains(D14)).hasSize(1);
        List<Record> records = archive.records();
        assertThat(records).hasSize(4 * 96 + 4);
        List<Record> id110 = records.stream().filter(r -> r.getField("id").equals(110L)).toList();
        assertThat(id110)
                .extracting(r -> r.getField("note") + "@" + ((Long) r.getField("_lsn") > 0))
                .containsExactlyInAnyOrder("note 110@false", "changed@true");
        assertThat(records)
                .filteredOn(r -> (Long) r.getField("_lsn") > 0)
                .extracting(r -> r.getField("id"))
                .containsExactlyInAnyOrder(110L, 1000L, 2000L, 2001L);
        assertThat(records).extracting(r -> r.getField("_op")).containsOnly("r");

        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
        ManifestStore manifests = new ManifestStore(dir.resolve("warehouse").toUri().toString());
        for (String window : List.of(D14, D15, D16, D17)) {
            assertThat(manifests.read("public.events", window).orElseThrow().state())
                    .as("%s: %s", window, verify)
                    .isEqualTo(WindowState.VERIFIED);
        }
    }
}
