package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Blocks;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pgoutput reader never skips changes silently: when its slot was confirmed past the position
 * of the checkpoint a run resumes (someone advanced it, or a second consumer used it), the changes
 * between are gone from the slot, and the run stops saying so instead of archiving without them.
 */
class WalSlotSafetyIT {

    @TempDir Path dir;

    @Test
    void aSlotConfirmedPastTheCheckpointIsRefusedOnResume() throws Exception {
        String db = EmbeddedPostgres.newDatabase("slot_safety");
        Blocks.create(db, 25);
        Path config =
                TestConfig.write(dir, db, Blocks.TABLE_YAML, "", "  stream_reader: pgoutput\n");
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");

        JobClient job = ContinuousIT.startRun(config);
        try {
            ContinuousIT.awaitStreaming(db);
            Blocks.insert(db, 25, 34);
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .containsExactly(
                                                    "window height=0-9 10",
                                                    "window height=10-19 10",
                                                    "window height=20-29 10"));
        } finally {
            job.cancel().get();
        }
        // While the run is stopped, rows arrive and the slot is moved past them by someone else.
        Blocks.insert(db, 35, 45);
        // The embedded server commits asynchronously (synchronous_commit=off), and a slot is
        // advanced no further than the WAL flushed: retry until it passed the insert.
        String past = query(db, "SELECT pg_current_wal_insert_lsn()::text");
        await().atMost(Duration.ofMinutes(1)) // until the stopped run's WAL senders have exited
                .until(
                        () ->
                                query(
                                                db,
                                                "SELECT count(*) FROM pg_stat_activity"
                                                        + " WHERE backend_type = 'walsender'"
                                                        + " AND datname = current_database()")
                                        .equals("0"));
        await().atMost(Duration.ofMinutes(1))
                .ignoreExceptions()
                .untilAsserted(
                        () -> {
                            EmbeddedPostgres.execute(
                                    db,
                                    "SELECT pg_replication_slot_advance('"
                                            + db
                                            + "', '"
                                            + past
                                            + "')");
                            assertThat(
                                            query(
                                                    db,
                                                    "SELECT confirmed_flush_lsn >= '"
                                                            + past
                                                            + "' FROM pg_replication_slots"
                                                            + " WHERE slot_name = '"
                                                            + db
                                                            + "'"))
                                    .as(
                                            "the slot was advanced past the rows inserted while the"
                                                    + " run was stopped")
                                    .isEqualTo("t");
                        });
        JobClient resumed = ContinuousIT.startRun(config);
        try {
            assertThatThrownBy(() -> resumed.getJobExecutionResult().get(3, TimeUnit.MINUTES))
                    .rootCause()
                    .hasMessageContaining("replication slot " + db + " was confirmed up to")
                    .hasMessageContaining("past this job's position")
                    .hasMessageContaining("permafrost run --fresh");
        } finally {
            try {
                resumed.cancel().get();
            } catch (Exception alreadyEnded) {
                // the job failed as it should, and its MiniCluster is gone
            }
        }
        assertThat(archive.commits())
                .as("nothing committed without the changes the slot lost")
                .isEqualTo(
                        List.of(
                                "window height=0-9 10",
                                "window height=10-19 10",
                                "window height=20-29 10"));
    }

    private static String query(String db, String sql) throws Exception {
        try (var c = EmbeddedPostgres.connect(db);
                var st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
