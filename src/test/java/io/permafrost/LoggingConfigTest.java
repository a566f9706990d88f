package io.permafrost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** The CLI's log configuration (src/main/resources/log4j2.properties), loaded as log4j loads it. */
class LoggingConfigTest {

    private static Configuration cliConfig() throws IOException {
        try (InputStream in =
                LoggingConfigTest.class.getClassLoader().getResourceAsStream("log4j2.properties")) {
            assertThat(in).as("log4j2.properties on the class path").isNotNull();
            Configuration c =
                    new PropertiesConfigurationFactory()
                            .getConfiguration(
                                    new LoggerContext("test"), new ConfigurationSource(in));
            c.initialize();
            return c;
        }
    }

    private static Filter.Result filter(LoggerConfig logger, String message) {
        Filter f = logger.getFilter();
        return f == null
                ? Filter.Result.NEUTRAL
                : f.filter(null, Level.WARN, null, new SimpleMessage(message), null);
    }

    @Test
    void flinksRepeatedPendingCommittablesWarningIsDroppedOtherMetricWarningsAreNot()
            throws IOException {
        LoggerConfig metrics = cliConfig().getLoggerConfig("org.apache.flink.metrics.MetricGroup");
        assertThat(metrics.getName()).isEqualTo("org.apache.flink.metrics.MetricGroup");
        assertThat(
                        filter(
                                metrics,
                                "Name collision: Group already contains a Metric with the name"
                                        + " 'pendingCommittables'. Metric will not be reported.[,"
                                        + " taskmanager, 8cbef3d4, permafrost run, parquet"
                                        + " public.t: Committer, 1]"))
                .isEqualTo(Filter.Result.DENY);
        assertThat(
                        filter(
                                metrics,
                                "Name collision: Group already contains a Metric with the name"
                                        + " 'rowsRead'. Metric will not be reported.[...]"))
                .isNotEqualTo(Filter.Result.DENY);
    }

    @Test
    void librariesWarnOnlyPermafrostInformsParquetIsNeverDebug() throws IOException {
        Configuration c = cliConfig();
        assertThat(c.getRootLogger().getLevel()).isEqualTo(Level.WARN);
        assertThat(c.getLoggerConfig("io.permafrost.job.ArchiveRunner").getLevel())
                .isEqualTo(Level.INFO);
        assertThat(c.getLoggerConfig("org.apache.parquet.hadoop.ParquetWriter").getLevel())
                .isEqualTo(Level.WARN);
    }
}
