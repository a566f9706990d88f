package io.permafrost.cli;

import io.permafrost.config.ConfigException;
import io.permafrost.source.PreflightException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Maps failures to one clear line on stderr and an exit code; stack traces only with --debug. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(
            Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        Throwable known = find(e);
        int code;
        String message;
        if (known instanceof ConfigException) {
            code = ExitCodes.USAGE;
            message = known.getMessage();
        } else if (known instanceof PreflightException p) {
            code = p.exitCode();
            message = p.getMessage();
        } else {
            code = ExitCodes.FAILURE;
            message = rootMessage(e);
        }
        err.println("permafrost: " + message);
        if (Boolean.getBoolean("permafrost.debug") || System.getenv("PERMAFROST_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    static int onParameterError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("permafrost: " + e.getMessage());
        cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help'.");
        cl.getErr().flush();
        return ExitCodes.USAGE;
    }

    private static Throwable find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof PreflightException) {
                return t;
            }
        }
        return null;
    }

    /** The innermost message, which usually names the real problem. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        if (t.getMessage() == null) {
            // e.g. an UnsupportedOperationException deep in a job: name it beside the nearest
            // message
            return t.getClass().getName() + (message == null ? "" : " (" + message + ")");
        }
        return message;
    }
}
