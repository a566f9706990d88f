package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A column whose type changes while {@code run} streams ({@code ALTER COLUMN ... TYPE bigint}): no
 * value is archived cut to the old type. The run stops (pgoutput at the change that describes the
 * new type, Flink CDC at the first value the archived type cannot hold), nothing of it is archived,
 * and the next start refuses the table, naming the column.
 */
class RetypedColumnIT {

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pgoutput", "cdc"})
    void aRetypedColumnStopsTheRunInsteadOfCuttingValues(String reader) throws Exception {
        String db = EmbeddedPostgres.newDatabase("retyped_" + reader);
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, score int)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                "INSERT INTO events SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval"
                        + " '30 minutes', g FROM generate_series(0, 95) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: at, granularity: daily}\n",
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
                    "ALTER TABLE events ALTER COLUMN score TYPE bigint",
                    "INSERT INTO events VALUES (900, '2024-01-15 10:00:00+00', 3000000000)");
            await().atMost(Duration.ofMinutes(3)).until(() -> run.ended().isDone());
        } finally {
            if (!run.ended().isDone()) {
                run.run().cancel();
            }
        }
        Throwable failure = null;
        try {
            run.ended().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e;
        }
        assertThat(failure).as("the run stops").isNotNull();
        assertThat(ExceptionUtils.stringifyException(failure))
                .containsAnyOf("changed its type", "does not fit the archived type int");
        assertThat(archive.records()).extracting(r -> r.getField("id")).doesNotContain(900L);

        Cli next = Cli.run("run", "-c", config.toString());
        assertThat(next.code).as("%s", next).isEqualTo(2);
        assertThat(next.err)
                .contains("column score is int but PostgreSQL column score maps to long");
    }
}
