package io.permafrost.source;

/**
 * The database, the tables or the archive are not fit to start: the message says what is wrong and
 * how to fix it; {@link #exitCode()} is 2 for a configuration that names something wrong and 1 for
 * a database that must be changed or cannot be reached.
 */
public class PreflightException extends RuntimeException {

    private final int exitCode;

    public PreflightException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public PreflightException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
