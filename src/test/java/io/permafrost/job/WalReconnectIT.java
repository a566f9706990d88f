package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Blocks;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run outlives its replication connection being dropped more often than a backfill's three
 * restarts would allow (a failover, a DBA's pg_terminate_backend, a network blip, months apart):
 * each time it restarts from its last checkpoint, and every row is archived once.
 */
class WalReconnectIT {

    private static final int DROPS = 4;

    @TempDir Path dir;

    @Test
    void aRunRestartsAfterEachDroppedConnectionAndArchivesEveryRowOnce() throws Exception {
        String db = EmbeddedPostgres.newDatabase("reconnect");
        Blocks.create(db, 10);
        Path config =
                TestConfig.write(dir, db, Blocks.TABLE_YAML, "", "  stream_reader: pgoutput\n");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");
        JobClient job = ContinuousIT.startRun(config);
        try {
            ContinuousIT.awaitStreaming(db);
            for (int drop = 1; drop <= DROPS; drop++) {
                Blocks.insert(db, 10 * drop, 10 * drop + 9);
                int sender = awaitWalSender(db, -1);
                EmbeddedPostgres.execute(db, "SELECT pg_terminate_backend(" + sender + ")");
                awaitWalSender(db, sender); // the restarted job streams the slot again
            }
            Blocks.insert(db, 10 * DROPS + 10, 10 * DROPS + 10); // closes the last full window
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window height=0-9 10",
                                                    "window height=10-19 10",
                                                    "window height=20-29 10",
                                                    "window height=30-39 10",
                                                    "window height=40-49 10"));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /** Waits until a WAL sender other than {@code not} streams the slot; returns its pid. */
    private static int awaitWalSender(String db, int not) {
        int[] pid = {-1};
        await().atMost(Duration.ofMinutes(1))
                .until(
                        () -> {
                            try (var c = EmbeddedPostgres.connect(db);
                                    var s = c.createStatement();
                                    var rs =
                                            s.executeQuery(
                                                    "SELECT active_pid FROM pg_replication_slots"
                                                            + " WHERE slot_name = '"
                                                            + db
                                                            + "' AND active")) {
                                if (!rs.next()) {
                                    return false;
                                }
                                pid[0] = rs.getInt(1);
                                return pid[0] != not;
                            }
                        });
        return pid[0];
    }
}
