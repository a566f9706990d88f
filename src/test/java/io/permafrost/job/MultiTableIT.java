package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.cli.Main;
import io.permafrost.testing.Archive;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Several tables in one job: a bytea primary key (no min(bytea): split by the window column), a
 * table without a primary key (rows told apart by a configured key), and a partitioned table read
 * through its root. They need different chunk keys, so they use two sources and slots.
 */
class MultiTableIT {

    /** An hourly-stamped table keyed by bytea, a table without a primary key, a partitioned one. */
    static final String[] TABLES = {
        "CREATE TABLE items (id bytea PRIMARY KEY, uploaded_at timestamptz NOT NULL, size int)",
        "CREATE INDEX ON items (uploaded_at)",
        "ALTER TABLE items REPLICA IDENTITY FULL",
        "INSERT INTO items SELECT sha256(g::text::bytea), timestamptz '2024-03-01 00:00:00+00' + g * interval '1 hour', g"
                + " FROM generate_series(0, 71) g",
        "CREATE TABLE chain (height bigint NOT NULL, hash bytea NOT NULL)",
        "ALTER TABLE chain REPLICA IDENTITY FULL",
        "INSERT INTO chain SELECT g, sha256(g::text::bytea) FROM generate_series(0, 2499) g",
        "CREATE TABLE readings (sensor int NOT NULL, at date NOT NULL, value float8, PRIMARY KEY (sensor, at))"
                + " PARTITION BY RANGE (at)",
        "CREATE TABLE readings_2024_02 PARTITION OF readings FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
        "CREATE TABLE readings_2024_03 PARTITION OF readings FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
        "INSERT INTO readings SELECT s, date '2024-02-20' + d, s * d FROM generate_series(1, 5) s, generate_series(0, 19) d"
    };

    static final String TABLES_YAML =
            "  - name: items\n    window: {column: uploaded_at, granularity: daily}\n"
                    + "  - name: chain\n    window: {column: height, range: 1000}\n    key: [height]\n"
                    + "  - name: readings\n    window: {column: at, granularity: monthly}\n";

    @TempDir Path dir;

    @Test
    void backfillsSeveralKindsOfTablesInOneJob() {
        String db = EmbeddedPostgres.newDatabase("multi");
        EmbeddedPostgres.execute(db, TABLES);
        Path config = TestConfig.write(dir, db, TABLES_YAML, "");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("backfill", "-c", config.toString())).as("stderr: %s", err).isZero();

        Path wh = dir.resolve("warehouse");
        assertThat(new Archive(wh, "items").commits())
                .containsExactlyInAnyOrder(
                        "window year=2024/month=03/day=01 24",
                        "window year=2024/month=03/day=02 24",
                        "window year=2024/month=03/day=03 24");
        // Range windows of a backfill close up to the highest height: 2000-2999 is still open.
        assertThat(new Archive(wh, "chain").commits())
                .containsExactlyInAnyOrder(
                        "window height=0-999 1000", "window height=1000-1999 1000");
        assertThat(new Archive(wh, "chain").records()).hasSize(2000);
        assertThat(new Archive(wh, "readings").commits())
                .containsExactlyInAnyOrder(
                        "window year=2024/month=02 50", "window year=2024/month=03 50");
        assertThat(out.toString()).contains("public.items", "public.chain", "public.readings");
    }

    /**
     * The same tables archived by {@code run} with Permafrost's own pgoutput reader: snapshot rows
     * of every table, then streamed rows, also of the partitioned table (published by its root) and
     * of the table without a primary key.
     */
    @Test
    void runsSeveralKindsOfTablesWithThePgoutputReader() throws Exception {
        String db = EmbeddedPostgres.newDatabase("multi_pgoutput");
        EmbeddedPostgres.execute(db, TABLES);
        Path config = TestConfig.write(dir, db, TABLES_YAML, "", "  stream_reader: pgoutput\n");
        Path wh = dir.resolve("warehouse");
        Archive items = new Archive(wh, "items");
        Archive chain = new Archive(wh, "chain");
        Archive readings = new Archive(wh, "readings");
        JobClient job = ContinuousIT.startRun(config);
        try {
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () -> {
                                // time windows close by the heartbeat; height windows only once
                                // the stream shows a higher height
                                assertThat(items.commits()).hasSize(3);
                                assertThat(readings.commits()).hasSize(2);
                            });
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO items VALUES (sha256('late'::bytea),"
                            + " timestamptz '2024-03-02 12:30:00+00', -1)",
                    "INSERT INTO chain SELECT g, sha256(g::text::bytea) FROM generate_series(2500, 3000) g",
                    "INSERT INTO readings VALUES (9, date '2024-03-25', 9.5)",
                    "UPDATE readings SET value = -1 WHERE sensor = 2 AND at = date '2024-02-25'");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () -> {
                                assertThat(items.commits())
                                        .containsExactlyInAnyOrder(
                                                "window year=2024/month=03/day=01 24",
                                                "window year=2024/month=03/day=02 24",
                                                "window year=2024/month=03/day=03 24",
                                                "amendment year=2024/month=03/day=02 1");
                                assertThat(chain.commits())
                                        .containsExactlyInAnyOrder(
                                                "window height=0-999 1000",
                                                "window height=1000-1999 1000",
                                                "window height=2000-2999 1000");
                                assertThat(readings.commits())
                                        .containsExactlyInAnyOrder(
                                                "window year=2024/month=02 50",
                                                "window year=2024/month=03 50",
                                                "amendment year=2024/month=02 1",
                                                "amendment year=2024/month=03 1");
                            });
        } finally {
            job.cancel().get();
        }
        assertThat(
                        readings.records().stream()
                                .filter(r -> r.getField("sensor").equals(2))
                                .filter(r -> r.getField("at").equals(LocalDate.of(2024, 2, 25)))
                                .map(r -> r.getField("_op") + ":" + r.getField("value")))
                .containsExactlyInAnyOrder("r:10.0", "u:-1.0");
        assertThat(
                        chain.records().stream()
                                .map(r -> (Long) r.getField("height"))
                                .distinct()
                                .count())
                .isEqualTo(3000);
    }
}
