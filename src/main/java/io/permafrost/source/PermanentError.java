package io.permafrost.source;

import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Errors of the change stream that a restart cannot mend: the slot lost changes, a column changed
 * its type or is gone, a value cannot be archived. A restart would read the same WAL against the
 * same plan and fail the same way, so these fail the job at once, with the message, instead of
 * going through Flink's restart strategy (which for a run retries without end).
 */
public final class PermanentError {

    private PermanentError() {}

    public static SuppressRestartsException of(String message) {
        return new SuppressRestartsException(new IllegalStateException(message));
    }

    public static SuppressRestartsException of(String message, Throwable cause) {
        return new SuppressRestartsException(new IllegalStateException(message, cause));
    }
}
