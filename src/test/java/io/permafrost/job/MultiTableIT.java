package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.cli.Main;
import io.permafrost.testing.Archive;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Several tables in one job: a bytea primary key (no min(bytea): split by the window column), a
 * table without a primary key (rows told apart by a configured key), and a partitioned table read
 * through its root. They need different chunk keys, so they use two sources and slots.
 */
class MultiTableIT {

    @TempDir Path dir;

    @Test
    void backfillsSeveralKindsOfTablesInOneJob() {
        String db = EmbeddedPostgres.newDatabase("multi");
        EmbeddedPostgres.execute(
                db,
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
                "INSERT INTO readings SELECT s, date '2024-02-20' + d, s * d FROM generate_series(1, 5) s, generate_series(0, 19) d");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: items\n    window: {column: uploaded_at, granularity: daily}\n"
                                + "  - name: chain\n    window: {column: height, range: 1000}\n    key: [height]\n"
                                + "  - name: readings\n    window: {column: at, granularity: monthly}\n",
                        "");
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
}
