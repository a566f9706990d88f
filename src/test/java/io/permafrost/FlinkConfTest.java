package io.permafrost;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.StateBackendOptions;
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
}
