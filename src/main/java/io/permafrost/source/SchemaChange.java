package io.permafrost.source;

import io.permafrost.model.TableId;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.ExceptionUtils;

/**
 * A change of an archived table's definition that the running job cannot archive as planned: a
 * column added to the source table ({@code ALTER TABLE ... ADD COLUMN}) arrived in the change
 * stream. The job fails at the first change that describes it, before any row with the new column
 * is archived; {@code permafrost run} then plans again (which adds the column to the Iceberg table)
 * and resumes from the newest checkpoint, so the rows since are read again with it.
 */
public final class SchemaChange {

    /** Ends the message of every such failure; how a failure is recognised (see {@link #is}). */
    static final String MARKER = "[the table's definition changed]";

    private SchemaChange() {}

    public static SuppressRestartsException newColumn(TableId table, String column) {
        return PermanentError.of(
                "table "
                        + table
                        + " has a new column "
                        + column
                        + " in the change stream (ALTER TABLE ... ADD COLUMN); 'permafrost run'"
                        + " adds it to the archive when it starts again, and reads the changes"
                        + " since the last checkpoint again with it "
                        + MARKER);
    }

    /** Whether a job failed because of a schema change (the cause crosses Flink serialized). */
    public static boolean is(Throwable failure) {
        return ExceptionUtils.findThrowableWithMessage(failure, MARKER).isPresent();
    }

    /** The schema change's own message in a job's failure, or the failure's. */
    public static String message(Throwable failure) {
        return ExceptionUtils.findThrowableWithMessage(failure, MARKER)
                .map(Throwable::getMessage)
                .orElse(String.valueOf(failure.getMessage()));
    }
}
