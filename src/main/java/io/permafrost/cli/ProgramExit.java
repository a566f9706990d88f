package io.permafrost.cli;

import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How {@code main} ends. On a plain JVM ({@code ./permafrost}) it exits with the command's exit
 * code. Inside a Flink process, where Flink's client calls {@code main} (application mode on a
 * cluster, {@code flink run}), {@code System.exit} would take the JobManager down with it, before
 * the Flink Kubernetes operator has read the result of a stop-with-savepoint; there {@code main}
 * returns on success and throws on failure, so Flink records the application as failed.
 */
final class ProgramExit {

    private ProgramExit() {}

    /** True when Flink's client runs this program (its context environment is set). */
    static boolean insideFlink() {
        return StreamExecutionEnvironment.getExecutionEnvironment()
                instanceof StreamContextEnvironment;
    }

    /** Inside Flink: returns for exit code 0, throws for any other. */
    static void endInsideFlink(int code) {
        if (code != ExitCodes.OK) {
            throw new CommandFailedException(code);
        }
    }

    /** A command failed; its one-line reason was already printed to stderr. */
    static final class CommandFailedException extends RuntimeException {
        private final int exitCode;

        CommandFailedException(int exitCode) {
            super("permafrost failed with exit code " + exitCode + " (the reason is logged above)");
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
