package io.permafrost;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;

/** flink-conf/config.yaml parses with Flink's own loader and says what the docs say. */
class FlinkConfTest {

    @Test
    void shippedFlinkConfigurationParsesWithFlinksLoader() {
        Configuration conf =
                GlobalConfiguration.loadConfiguration(
                        Path.of("flink-conf").toAbsolutePath().toString());
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED))
                .as("the window committer needs aligned barriers")
                .isFalse();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    @Test
    void runsAStandaloneClusterInAContainerOnJava17() throws Exception {
        Configuration conf =
                GlobalConfiguration.loadConfiguration(
                        Path.of("flink-conf").toAbsolutePath().toString());
        // The Dockerfile replaces the image's config.yaml with this one, so it must carry what the
        // image's own carried: bind addresses, process sizes and Java 17's module flags.
        assertThat(conf.get(JobManagerOptions.BIND_HOST)).isEqualTo("0.0.0.0");
        assertThat(conf.get(TaskManagerOptions.BIND_HOST)).isEqualTo("0.0.0.0");
        assertThat(conf.get(RestOptions.BIND_ADDRESS)).isEqualTo("0.0.0.0");
        assertThat(conf.get(JobManagerOptions.TOTAL_PROCESS_MEMORY))
                .isEqualTo(MemorySize.parse("1600m"));
        assertThat(conf.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY))
                .isEqualTo(MemorySize.parse("1728m"));
        String defaultOpts = conf.get(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS);
        String pom = Files.readString(Path.of("pom.xml"));
        String opens =
                pom.substring(
                        pom.indexOf("<flink.jvm.opens>") + "<flink.jvm.opens>".length(),
                        pom.indexOf("</flink.jvm.opens>"));
        // The flags the tests and the CLI launcher use on Java 17 are all there.
        String opts = defaultOpts + " " + conf.get(CoreOptions.FLINK_JVM_OPTIONS);
        assertThat(opts.split(" ")).contains(opens.trim().split("\\s+"));
        assertThat(conf.get(CoreOptions.FLINK_JVM_OPTIONS)).contains("-Duser.timezone=UTC");
    }
}
