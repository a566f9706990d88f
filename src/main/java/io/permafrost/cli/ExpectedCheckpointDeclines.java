package io.permafrost.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Drops Flink's warning, with its stack trace, for the two checkpoint declines a Permafrost job
 * expects: a task that is closing (a backfill's tasks finish while a checkpoint is triggered; the
 * next one is taken) and the first checkpoint of a run, which Flink schedules before the slot's
 * snapshot reports backlog and which its enumerator declines (it logs that itself). Every other
 * checkpoint failure is logged as before. log4j's own filters match the message only, and this one
 * tells the cases by the exception, so it is installed in code, not in log4j2.properties.
 */
final class ExpectedCheckpointDeclines extends AbstractFilter {

    static final String LOGGER = "org.apache.flink.runtime.checkpoint.CheckpointFailureManager";

    /** Parts of the messages of the expected declines, anywhere in the exception's chain. */
    private static final String[] EXPECTED = {
        "Checkpoint was declined (task is closing)",
        "declined: the first snapshot of a run is read whole"
    };

    private ExpectedCheckpointDeclines() {
        super(Filter.Result.DENY, Filter.Result.NEUTRAL);
    }

    /** The log4j configuration the filter was added to, so that it is added once. */
    private static Configuration installedIn;

    /** Adds the filter to the checkpoint failure logger, once; a no-op without log4j-core. */
    static synchronized void install() {
        if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
            return;
        }
        Configuration config = context.getConfiguration();
        if (config == installedIn) {
            return;
        }
        LoggerConfig logger = config.getLoggerConfig(LOGGER);
        if (!LOGGER.equals(logger.getName())) {
            logger = new LoggerConfig(LOGGER, null, true); // the level and appenders of its parent
            config.addLogger(LOGGER, logger);
        }
        logger.addFilter(new ExpectedCheckpointDeclines());
        context.updateLoggers();
        installedIn = config;
    }

    @Override
    public Filter.Result filter(LogEvent event) {
        return expected(event.getThrown()) ? onMatch : onMismatch;
    }

    static boolean expected(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null) {
                for (String e : EXPECTED) {
                    if (message.contains(e)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
