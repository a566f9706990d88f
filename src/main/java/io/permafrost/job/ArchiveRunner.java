package io.permafrost.job;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.Reconciler;
import io.permafrost.iceberg.WindowCoverage;
import io.permafrost.model.ArchivedWindows;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.PgSnapshot;
import io.permafrost.storage.FileSystems;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the archive job: preflight, reconcile the archive with Iceberg, start the Flink job
 * (resuming from the newest retained checkpoint of the same job), and for bounded runs commit what
 * the last checkpoint left behind.
 */
public final class ArchiveRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveRunner.class);

    /**
     * How a run is asked for. {@code until} (µs) bounds time windows of a backfill; null = default.
     */
    public record Options(boolean bounded, Long until, boolean fresh) {}

    private final PermafrostConfig config;
    private final Options options;
    private ArchivePlan plan;
    private org.apache.flink.api.common.JobID jobId;
    private Map<String, Long> closeLimits;
    private PgSnapshot sourceSnapshot;

    public ArchiveRunner(PermafrostConfig config, Options options) {
        this.config = config;
        this.options = options;
    }

    public ArchivePlan plan() {
        return plan;
    }

    /** The id of the job {@link #start} submitted. */
    public org.apache.flink.api.common.JobID jobId() {
        return jobId;
    }

    /** The directory of this job's checkpoints: one per job name and mode. */
    public String checkpointDir() {
        return config.job().checkpointDir()
                + "/"
                + config.job().name()
                + (options.bounded() ? "-backfill" : "-run");
    }

    /** Checks, prepares and submits the job; returns its client. */
    public JobClient start() throws Exception {
        FileSystems.initialize(config); // no-op when the CLI already did
        plan = ArchivePlan.prepare(config, !options.bounded());
        closeLimits = closeLimits();
        ResumePoint resume =
                ResumePoint.choose(
                        StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration(),
                        options.fresh(),
                        checkpointDir());
        if (!options.bounded()) {
            plan = plan.withStreamReader(streamReader(resume));
        }
        if (options.bounded()) {
            sourceSnapshot =
                    BackfillSnapshot.choose(config.source(), checkpointDir(), resume.resuming());
        }
        Map<String, ArchivedWindows> archived = reconcileAtStart(resume.resuming());
        Configuration conf = flinkConfiguration(resume.path());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        ArchiveJob.build(env, plan, options.bounded(), closeLimits, archived, sourceSnapshot);
        resume.path()
                .ifPresentOrElse(
                        r ->
                                LOG.info(
                                        "Resuming from {} {}",
                                        resume.given() ? "the given savepoint" : "checkpoint",
                                        r),
                        () ->
                                LOG.info(
                                        "Starting {} without a checkpoint to resume",
                                        options.bounded() ? "backfill" : "run"));
        JobClient job =
                env.executeAsync(config.job().name() + (options.bounded() ? " backfill" : " run"));
        jobId = job.getJobID();
        return job;
    }

    /** Resolves {@code source.stream_reader} for this run (see {@link StreamReaderChoice}). */
    private PermafrostConfig.StreamReader streamReader(ResumePoint resume) {
        PermafrostConfig.StreamReader configured = config.source().streamReader();
        PermafrostConfig.StreamReader writtenBy = null;
        String checkpoint = resume.path().orElse(null);
        if (checkpoint != null) {
            Map<PermafrostConfig.StreamReader, JobGraph> jobs =
                    new EnumMap<>(PermafrostConfig.StreamReader.class);
            for (PermafrostConfig.StreamReader r :
                    List.of(
                            PermafrostConfig.StreamReader.PGOUTPUT,
                            PermafrostConfig.StreamReader.CDC)) {
                try {
                    jobs.put(r, jobGraph(plan.withStreamReader(r)));
                } catch (RuntimeException e) {
                    LOG.debug("Cannot build the job with stream_reader {}", r, e);
                }
            }
            try {
                writtenBy = StreamReaderChoice.writtenBy(checkpoint, jobs);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Cannot read which reader wrote {}: {}", checkpoint, e.toString());
            }
        }
        PermafrostConfig.StreamReader chosen =
                StreamReaderChoice.choose(configured, plan.pgoutputUnfit(), writtenBy, checkpoint);
        String why;
        if (writtenBy != null) {
            why = "the reader this run's checkpoint was written by";
        } else if (configured != PermafrostConfig.StreamReader.AUTO) {
            why = "as configured";
        } else if (chosen == PermafrostConfig.StreamReader.CDC) {
            why = "pgoutput cannot read these tables: " + plan.pgoutputUnfit();
        } else {
            why = "stream_reader auto";
        }
        LOG.info(
                "Reading the WAL with stream_reader {} ({})",
                chosen.name().toLowerCase(java.util.Locale.ROOT),
                why);
        return chosen;
    }

    /** The job this plan runs, built only to compare its operators with a checkpoint's. */
    private JobGraph jobGraph(ArchivePlan candidate) {
        StreamExecutionEnvironment probe = new StreamExecutionEnvironment(new Configuration());
        ArchiveJob.build(probe, candidate, false, closeLimits, Map.of(), null);
        return probe.getStreamGraph().getJobGraph();
    }

    /**
     * After a bounded job: append what FileSink committed but the job could not hand over, drop the
     * replication slot Flink CDC created for it unless a continuous run depends on it, so that a
     * finished backfill leaves no slot retaining WAL, and remove its checkpoints.
     */
    public void finishBounded() throws Exception {
        String runCheckpoints = config.job().checkpointDir() + "/" + config.job().name() + "-run";
        if (CheckpointLocator.latest(runCheckpoints).isEmpty()) {
            try (java.sql.Connection conn =
                    io.permafrost.source.SourceConnections.open(config.source())) {
                for (ArchivePlan.SourceGroup g : plan.groups()) {
                    try (java.sql.PreparedStatement st =
                            conn.prepareStatement(
                                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                            + " WHERE slot_name = ? AND database = current_database() AND NOT active")) {
                        st.setString(1, g.slot());
                        if (st.executeQuery().next()) {
                            LOG.info(
                                    "Dropped replication slot {}: the backfill is done and no run depends on it",
                                    g.slot());
                        }
                    }
                }
            }
        }
        Catalog catalog = plan.catalog().open();
        try {
            for (ArchiveTable t : plan.tables()) {
                long limit = closeLimits.get(t.id().toString());
                Table table = catalog.loadTable(ArchiveTables.identifier(t.id()));
                new Reconciler(table, t)
                        .commitMissing(w -> w.end() <= limit, "backfill", sourceSnapshot);
            }
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
        try {
            int removed = CheckpointLocator.removeAll(checkpointDir());
            if (removed > 0) {
                LOG.info(
                        "Removed {} checkpoint(s) of interrupted attempts of this backfill: it is"
                                + " finished, the next backfill reads a new snapshot",
                        removed);
            }
        } catch (IOException e) {
            LOG.warn(
                    "The backfill is finished, but its checkpoints under {} could not all be"
                            + " removed ({}): remove them, or start the next backfill with --fresh,"
                            + " else it resumes from one and reads nothing new",
                    checkpointDir(),
                    e.toString());
        }
    }

    private Map<String, ArchivedWindows> reconcileAtStart(boolean resuming) throws Exception {
        Map<String, ArchivedWindows> committed = new HashMap<>();
        Catalog catalog = plan.catalog().open();
        try {
            for (ArchiveTable t : plan.tables()) {
                Table table = catalog.loadTable(ArchiveTables.identifier(t.id()));
                Reconciler r = new Reconciler(table, t);
                Set<String> windows = r.committedWindows();
                r.commitMissing(
                        w -> windows.contains(w.path()), Reconciler.AT_START, sourceSnapshot);
                if (!resuming) {
                    r.removeOrphans(w -> !windows.contains(w.path()));
                }
                committed.put(
                        t.id().toString(),
                        new ArchivedWindows(
                                windows,
                                options.bounded()
                                        ? Map.of()
                                        : WindowCoverage.recordedSnapshots(table)));
            }
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
        return committed;
    }

    private Map<String, Long> closeLimits() {
        Map<String, Long> limits = new HashMap<>();
        long nowMicros = Instant.now().toEpochMilli() * 1000;
        for (ArchiveTable t : plan.tables()) {
            long limit = Long.MAX_VALUE;
            if (options.bounded()) {
                if (t.window() instanceof WindowSpec.Time) {
                    limit =
                            options.until() != null
                                    ? options.until()
                                    : nowMicros - t.config().closeAfter();
                } else {
                    Long max = plan.maxWindowValue(t);
                    limit = max == null ? Long.MIN_VALUE : max + 1 - t.config().closeAfter();
                }
            }
            limits.put(t.id().toString(), limit);
        }
        return limits;
    }

    /**
     * A backfill ends: it is restarted three times, 5 s apart, and a fourth failure ends it with
     * the error. A run archives for months, so it retries without end, waiting 1 s, 2 s, 4 s ... up
     * to 5 min between attempts; an hour without a failure resets the wait. Errors a restart cannot
     * mend (a slot that lost changes, a changed column type) fail it at once all the same.
     */
    static void restartStrategy(Configuration conf, boolean bounded) {
        if (bounded) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    java.time.Duration.ofSeconds(5));
            return;
        }
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                java.time.Duration.ofSeconds(1));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                java.time.Duration.ofMinutes(5));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                java.time.Duration.ofHours(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                Integer.MAX_VALUE);
    }

    Configuration flinkConfiguration(Optional<String> restore) {
        PermafrostConfig.Job job = config.job();
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, job.parallelism());
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(StateBackendOptions.STATE_BACKEND, job.stateBackend());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, job.checkpointInterval());
        conf.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, 1);
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                org.apache.flink.configuration.ExternalizedCheckpointRetention
                        .RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, true);
        if (!options.bounded()
                && plan.config().source().streamReader()
                        == PermafrostConfig.StreamReader.PGOUTPUT) {
            // The slot's snapshot cannot be checkpointed: Flink schedules none while it is read
            // (its enumerator reports backlog), instead of one declined with a stack trace each
            // interval (only the first, scheduled as the job starts, may still come).
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG, Duration.ZERO);
        }
        restartStrategy(conf, options.bounded());
        if (job.metricsPort() != null) {
            conf.setString(
                    "metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", job.metricsPort().toString());
        }
        restore.ifPresent(r -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, r));
        return conf;
    }
}
