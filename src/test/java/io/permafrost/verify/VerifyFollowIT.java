package io.permafrost.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.testing.Cli;
import io.permafrost.testing.CliProcess;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify --follow} keeps running and verifies windows as they are committed. */
class VerifyFollowIT {

    @TempDir Path dir;

    @Test
    void followVerifiesWindowsAsTheyAreCommitted() throws Exception {
        String db = EmbeddedPostgres.newDatabase("follow");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at date NOT NULL)",
                "INSERT INTO events SELECT g, date '2024-01-15' + (g % 2) FROM generate_series(1, 40) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: at, granularity: daily}\n",
                        "verify:\n  follow_interval: 1s\n");
        assertThat(Cli.run("backfill", "-c", config.toString()).code).isZero();
        ManifestStore store = new ManifestStore(dir.resolve("warehouse").toUri().toString());
        Path log = dir.resolve("follow.log");
        Process follow = CliProcess.start(log, "verify", "-c", config.toString(), "--follow");
        try {
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () -> {
                                assertThat(state(store, "year=2024/month=01/day=15"))
                                        .as("log: %s", Files.readString(log))
                                        .contains(WindowState.VERIFIED);
                                assertThat(state(store, "year=2024/month=01/day=16"))
                                        .contains(WindowState.VERIFIED);
                            });
            // A window committed while the follower runs is picked up without a restart.
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO events SELECT g, date '2024-01-17' FROM generate_series(100, 109) g");
            assertThat(Cli.run("backfill", "-c", config.toString()).code).isZero();
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(state(store, "year=2024/month=01/day=17"))
                                            .as("log: %s", Files.readString(log))
                                            .contains(WindowState.VERIFIED));
            assertThat(
                            store.read("public.events", "year=2024/month=01/day=17")
                                    .orElseThrow()
                                    .rows())
                    .isEqualTo(10);
            assertThat(follow.isAlive()).as("--follow keeps running").isTrue();
        } finally {
            follow.destroyForcibly().waitFor();
        }
    }

    private static Optional<WindowState> state(ManifestStore store, String window)
            throws Exception {
        return store.read("public.events", window).map(WindowManifest::state);
    }
}
