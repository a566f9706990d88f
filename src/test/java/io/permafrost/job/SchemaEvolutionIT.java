package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A column added to an archived table while {@code run} streams it: the job fails at the change
 * that first describes the column, is planned again (the column is added to the Iceberg table, in
 * the source's order) and resumes from its checkpoint, so every row is archived once, the rows
 * written before the column with null in it, and the windows verify; with either reader of the WAL.
 */
class SchemaEvolutionIT {

    static final String D14 = "year=2024/month=01/day=14";
    static final String D15 = "year=2024/month=01/day=15";

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "cdc"})
    void aColumnAddedWhileRunStreamsIsAddedToTheArchive(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("schema_evolution_" + reader);
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval"
                        + " '30 minutes', 'note ' || g FROM generate_series(0, 95) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n"
                                + "    window: {column: at, granularity: daily}\n"
                                + "    retention: 0s\n",
                        "",
                        "  stream_reader: " + reader + "\n");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "events");

        BackgroundRun run = BackgroundRun.start(config);
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events VALUES (800, '2024-01-15 09:00:00+00', 'before')",
                    "ALTER TABLE events ADD COLUMN score integer, ADD COLUMN tags text[]",
                    "INSERT INTO events VALUES (900, '2024-01-15 10:00:00+00', 'after', 7,"
                            + " ARRAY['x', NULL])",
                    "UPDATE events SET score = 3 WHERE id = 10");
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.records())
                                            .extracting(r -> r.getField("id"))
                                            .contains(800L, 900L, 10L));
            assertThat(run.ended()).isNotDone();
            assertThat(run.starts()).isEqualTo(2);
        } finally {
            run.stop();
        }

        assertThat(archive.table().schema().columns())
                .extracting(Types.NestedField::name)
                .containsExactly("id", "at", "note", "score", "tags", "_op", "_lsn", "_commit_ts");
        List<Record> records = archive.records();
        assertThat(records).hasSize(96 + 3);
        assertThat(records)
                .filteredOn(r -> List.of(800L, 900L, 10L).contains(r.getField("id")))
                .filteredOn(r -> !"r".equals(r.getField("_op")))
                .extracting(
                        r ->
                                r.getField("id")
                                        + " "
                                        + r.getField("score")
                                        + " "
                                        + r.getField("tags"))
                .containsExactlyInAnyOrder("800 null null", "900 7 [x, null]", "10 3 null");
        assertThat(records)
                .filteredOn(r -> r.getField("id").equals(5L))
                .extracting(r -> r.getField("score"))
                .containsExactly((Object) null);

        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();

        // A command that only reads does not change the archive: it says which one does.
        EmbeddedPostgres.execute(db, "ALTER TABLE events ADD COLUMN flag boolean");
        Cli refused = Cli.run("verify", "-c", config.toString());
        assertThat(refused.code).as("%s", refused).isEqualTo(2);
        assertThat(refused.err)
                .contains("has column(s) [flag] that its archive")
                .contains("start 'permafrost run'");
        assertThat(archive.table().schema().findField("flag")).isNull();
    }
}
