package io.permafrost.job;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.source.SchemaChange;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code permafrost run} does: starts the archive job and waits for it. When the job fails
 * because an archived table's definition changed ({@link SchemaChange}: a column was added), it is
 * planned again, which adds the column to the Iceberg table, and resumed from its newest
 * checkpoint, so the changes since are read again with the new column. Any other end is the run's
 * end.
 */
public final class ContinuousRun {

    private static final Logger LOG = LoggerFactory.getLogger(ContinuousRun.class);

    /** Starts that fail this soon after the one before do not count as progress. */
    static final Duration QUICK = Duration.ofMinutes(1);

    /** Quick schema-change failures in a row after which planning again is given up. */
    static final int MAX_QUICK = 3;

    private final PermafrostConfig config;
    private final boolean fresh;
    private final Consumer<ArchiveRunner> onStart;
    private volatile JobClient current;
    private volatile boolean cancelled;
    private volatile int starts;

    /**
     * @param fresh ignore retained checkpoints at the first start (later starts always resume)
     * @param onStart told of every start, e.g. to print the job's id
     */
    public ContinuousRun(PermafrostConfig config, boolean fresh, Consumer<ArchiveRunner> onStart) {
        this.config = config;
        this.fresh = fresh;
        this.onStart = onStart;
    }

    /** Runs until the job ends; throws its failure, unless it was cancelled by {@link #cancel}. */
    public void run() throws Exception {
        int quick = 0;
        while (!cancelled) {
            ArchiveRunner runner =
                    new ArchiveRunner(
                            config, new ArchiveRunner.Options(false, null, fresh && starts == 0));
            JobClient job = runner.start();
            current = job;
            starts++;
            onStart.accept(runner);
            Instant started = Instant.now();
            try {
                job.getJobExecutionResult().get();
                return;
            } catch (ExecutionException e) {
                if (cancelled) {
                    return;
                }
                if (!SchemaChange.is(e)) {
                    throw e;
                }
                if (!(StreamExecutionEnvironment.getExecutionEnvironment()
                        instanceof LocalStreamEnvironment)) {
                    // A cluster's application (HA) runs one job: the job is started again from
                    // outside, and plans again then (see docs/how-it-works.md).
                    throw e;
                }
                boolean soon = Duration.between(started, Instant.now()).compareTo(QUICK) < 0;
                quick = soon ? quick + 1 : 0;
                if (quick >= MAX_QUICK) {
                    throw e;
                }
                LOG.warn(
                        "{}: planning the job again and resuming it from its newest checkpoint",
                        SchemaChange.message(e));
            }
        }
    }

    /** Cancels the job; {@link #run} then returns. */
    public void cancel() throws Exception {
        cancelled = true;
        JobClient job = current;
        if (job != null) {
            job.cancel().get();
        }
    }

    /** How many times the job was started. */
    public int starts() {
        return starts;
    }
}
