package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

class ExpectedCheckpointDeclinesTest {

    private static Filter.Result filtered(Throwable thrown) {
        ExpectedCheckpointDeclines.install();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig logger =
                context.getConfiguration().getLoggerConfig(ExpectedCheckpointDeclines.LOGGER);
        assertThat(logger.getName()).isEqualTo(ExpectedCheckpointDeclines.LOGGER);
        return logger.getFilter()
                .filter(
                        Log4jLogEvent.newBuilder()
                                .setLoggerName(ExpectedCheckpointDeclines.LOGGER)
                                .setLevel(Level.WARN)
                                .setMessage(
                                        new SimpleMessage(
                                                "Failed to trigger or complete checkpoint 2"))
                                .setThrown(thrown)
                                .build());
    }

    @Test
    void dropsOnlyTheDeclinesAJobExpects() {
        // as Flink reports them: the reason is in the cause, wrapped
        assertThat(
                        filtered(
                                new RuntimeException(
                                        "Trigger checkpoint failure.",
                                        new IllegalStateException(
                                                "checkpoint 1 declined: the first snapshot of a"
                                                        + " run is read whole before the first"
                                                        + " checkpoint"))))
                .isEqualTo(Filter.Result.DENY);
        assertThat(
                        filtered(
                                new RuntimeException(
                                        "Task name with subtask : Source (1/2) Failure reason:"
                                                + " Checkpoint was declined (task is closing)")))
                .isEqualTo(Filter.Result.DENY);
        assertThat(filtered(new RuntimeException("Checkpoint expired before completing.")))
                .isEqualTo(Filter.Result.NEUTRAL);
        assertThat(filtered(null)).isEqualTo(Filter.Result.NEUTRAL);
    }

    @Test
    void isAddedOnce() {
        ExpectedCheckpointDeclines.install();
        ExpectedCheckpointDeclines.install();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        assertThat(
                        context.getConfiguration()
                                .getLoggerConfig(ExpectedCheckpointDeclines.LOGGER)
                                .getFilter())
                .isInstanceOf(ExpectedCheckpointDeclines.class);
        // the logger keeps its parent's level: other checkpoint failures are still logged
        assertThat(context.getLogger(ExpectedCheckpointDeclines.LOGGER).isEnabled(Level.WARN))
                .isTrue();
    }
}
