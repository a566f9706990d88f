package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Columns dropped from an archived table: while {@code run} streams, rows from then on hold null in
 * them; the next start keeps them in the archive (retired) and archives on, compaction keeps what
 * they hold, verification leaves them out, replay refuses the table; a column added again under its
 * name and type is archived again. With either reader of the WAL.
 */
class DroppedColumnsIT {

    static final String D14 = "year=2024/month=01/day=14";
    static final String D15 = "year=2024/month=01/day=15";

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "cdc"})
    void droppedColumnsStayInTheArchiveAndTheTableIsArchivedOn(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("dropped_columns_" + reader);
        // Flink CDC is refused for a time of microseconds: it reads milliseconds.
        boolean micros = reader.equals("pgoutput");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text,"
                        + (micros ? " t time(6)," : " t time(3),")
                        + " tags text[], score int)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval"
                        + " '30 minutes', 'note ' || g, time '12:00:00' + g * interval '1"
                        + (micros ? " microsecond'" : " millisecond'")
                        + ", ARRAY['t' || g], g FROM generate_series(0, 95) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: at, granularity: daily}\n",
                        "parquet:\n  compaction_min_files: 2\n",
                        "  stream_reader: " + reader + "\n");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "events");
        Cli verified = Cli.run("verify", "-c", config.toString());
        assertThat(verified.code).as("%s", verified).isZero();

        // Dropped while run streams: the job goes on, the rows after hold null in the columns.
        BackgroundRun first = BackgroundRun.start(config);
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events VALUES (800, '2024-01-15 09:00:00+00', 'before',"
                            + " '01:00:00.5', ARRAY['b'], 8)",
                    "ALTER TABLE events DROP COLUMN note, DROP COLUMN t",
                    "INSERT INTO events VALUES (900, '2024-01-15 10:00:00+00', ARRAY['a'], 9)");
            awaitIds(archive, 800L, 900L);
            assertThat(first.starts()).isEqualTo(1);
        } finally {
            first.stop();
        }

        // The next start keeps them (retired) and archives on; compaction keeps their values.
        int compactionsBefore = compactions(archive, D15);
        BackgroundRun second = BackgroundRun.start(config);
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db, "INSERT INTO events VALUES (901, '2024-01-15 11:00:00+00', NULL, 10)");
            awaitIds(archive, 901L);
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> compactions(archive, D15) > compactionsBefore);
        } finally {
            second.stop();
        }

        // Dropped while the run is stopped: it resumes from a checkpoint older than the drop, so
        // the stream still describes the column for the changes before it (not archived).
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO events VALUES (905, '2024-01-15 14:00:00+00', ARRAY['pre'], 14)",
                "ALTER TABLE events DROP COLUMN tags",
                "INSERT INTO events VALUES (906, '2024-01-15 15:00:00+00', 15)");
        BackgroundRun resumed = BackgroundRun.start(config);
        try {
            awaitIds(archive, 905L, 906L);
            assertThat(resumed.starts()).isEqualTo(1);
        } finally {
            resumed.stop();
        }
        assertThat(archive.table().schema().columns())
                .extracting(Types.NestedField::name)
                .containsExactly(
                        "id", "at", "note", "t", "tags", "score", "_op", "_lsn", "_commit_ts");
        List<Record> records = archive.records();
        assertThat(records).hasSize(96 + 5);
        assertThat(values(records, 50L))
                .isEqualTo(
                        "note 50 "
                                + LocalTime.parse(micros ? "12:00:00.000050" : "12:00:00.050")
                                + " [t50] 50");
        assertThat(values(records, 800L)).isEqualTo("before 01:00:00.500 [b] 8");
        assertThat(values(records, 900L)).isEqualTo("null null [a] 9");
        assertThat(values(records, 901L)).isEqualTo("null null null 10");
        assertThat(values(records, 905L)).isEqualTo("null null null 14");
        assertThat(values(records, 906L)).isEqualTo("null null null 15");

        // Verification leaves the columns out.
        // Windows verified with the columns are not deleted on that proof, and verified again.
        Cli delete = Cli.run("delete", "-c", config.toString(), "--older-than", "1h");
        assertThat(delete.code).as("%s", delete).isZero();
        assertThat(delete.out)
                .contains(D14)
                .contains("not deleted: verified with column(s) the table no longer has")
                .contains("0 window(s) deleted");
        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
        assertThat(verify.out).doesNotContain("unchanged since verified");
        Cli replay =
                Cli.run(
                        "replay",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--from",
                        D14,
                        "--to",
                        D15);
        assertThat(replay.code).as("%s", replay).isEqualTo(2);
        assertThat(replay.err)
                .contains("keeps column(s) [note, t, tags] that the table no longer has");

        // A column added again under its name and type is archived again.
        BackgroundRun third = BackgroundRun.start(config);
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db,
                    "ALTER TABLE events ADD COLUMN note text",
                    "INSERT INTO events VALUES (902, '2024-01-15 12:00:00+00', 11, 'back')");
            awaitIds(archive, 902L);
            assertThat(third.starts()).isEqualTo(2);
        } finally {
            third.stop();
        }
        assertThat(values(archive.records(), 902L)).isEqualTo("back null null 11");
        assertThat(values(archive.records(), 50L)).startsWith("note 50 ");

        // A column added to exclude_columns later is kept like a dropped one; the stream still
        // carries it.
        Path excluding =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: at, granularity: daily}\n"
                                + "    exclude_columns: [score]\n",
                        "parquet:\n  compaction_min_files: 2\n",
                        "  stream_reader: " + reader + "\n");
        BackgroundRun fourth = BackgroundRun.start(excluding);
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db, "INSERT INTO events VALUES (903, '2024-01-15 13:00:00+00', 12, 'out')");
            awaitIds(archive, 903L);
            assertThat(fourth.starts()).isEqualTo(1);
        } finally {
            fourth.stop();
        }
        assertThat(values(archive.records(), 903L)).isEqualTo("out null null null");
        assertThat(values(archive.records(), 50L)).endsWith(" 50");

        // Binary COPY reads NULL for a retired column: a backfill of a window not yet archived.
        EmbeddedPostgres.execute(
                db, "INSERT INTO events VALUES (950, '2024-01-20 01:00:00+00', 13, 'copy')");
        Cli more = Cli.run("backfill", "-c", excluding.toString());
        assertThat(more.code).as("%s", more).isZero();
        assertThat(values(archive.records(), 950L)).isEqualTo("copy null null null");
        assertThat(values(archive.records(), 50L)).endsWith(" 50");
    }

    private static void awaitIds(Archive archive, Long... ids) {
        await().atMost(Duration.ofMinutes(3))
                .untilAsserted(
                        () ->
                                assertThat(archive.records())
                                        .extracting(r -> r.getField("id"))
                                        .contains((Object[]) ids));
    }

    private static int compactions(Archive archive, String window) {
        return (int)
                archive.commits().stream()
                        .filter(c -> c.startsWith("compaction " + window + " "))
                        .count();
    }

    private static String values(List<Record> records, long id) {
        Record r =
                records.stream()
                        .filter(x -> x.getField("id").equals(id))
                        .reduce((a, b) -> b)
                        .orElseThrow();
        return r.getField("note")
                + " "
                + r.getField("t")
                + " "
                + r.getField("tags")
                + " "
                + r.getField("score");
    }
}
