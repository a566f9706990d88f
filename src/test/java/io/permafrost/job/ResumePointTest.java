package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A savepoint named by the Flink environment wins over retained checkpoints. */
class ResumePointTest {

    @TempDir Path dir;
    Path checkpoint;

    @BeforeEach
    void retainedCheckpoint() throws Exception {
        checkpoint = dir.resolve("0000000000000000000000000000abcd/chk-7");
        Files.createDirectories(checkpoint);
        Files.writeString(checkpoint.resolve("_metadata"), "metadata");
        Files.createDirectories(dir.resolve("0000000000000000000000000000abcd/chk-8")); // cut off
    }

    @Test
    void givenSavepointWinsOverTheNewestRetainedCheckpoint() throws Exception {
        Configuration env = new Configuration();
        env.set(StateRecoveryOptions.SAVEPOINT_PATH, "s3://bucket/savepoints/savepoint-abcd-1");

        ResumePoint r = ResumePoint.choose(env, false, dir.toUri().toString());

        assertThat(r.path()).contains("s3://bucket/savepoints/savepoint-abcd-1");
        assertThat(r.given()).isTrue();
        assertThat(r.resuming()).isTrue();
    }

    @Test
    void givenSavepointWinsEvenWithFresh() throws Exception {
        Configuration env = new Configuration();
        env.set(StateRecoveryOptions.SAVEPOINT_PATH, "KUBERNETES_OPERATOR_LAST_STATE");

        assertThat(ResumePoint.choose(env, true, dir.toUri().toString()).path())
                .contains("KUBERNETES_OPERATOR_LAST_STATE");
    }

    @Test
    void withoutAGivenSavepointTheNewestCompleteCheckpointIsUsed() throws Exception {
        ResumePoint r = ResumePoint.choose(new Configuration(), false, dir.toUri().toString());

        assertThat(r.path()).hasValueSatisfying(p -> assertThat(p).endsWith("/chk-7"));
        assertThat(r.given()).isFalse();
        assertThat(r.resuming()).isTrue();
    }

    @Test
    void freshIgnoresRetainedCheckpoints() throws Exception {
        ResumePoint r = ResumePoint.choose(new Configuration(), true, dir.toUri().toString());

        assertThat(r.path()).isEmpty();
        assertThat(r.resuming()).isFalse();
    }
}
