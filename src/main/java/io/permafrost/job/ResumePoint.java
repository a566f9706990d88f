package io.permafrost.job;

import java.io.IOException;
import java.util.Optional;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;

/**
 * Where a job resumes from. A savepoint the Flink environment was told to restore wins ({@code
 * execution.savepoint.path}: set by the Flink Kubernetes operator after a stop-with-savepoint
 * upgrade, or by {@code flink run -s}); otherwise the newest retained checkpoint of the same job,
 * unless {@code --fresh}. Without the first rule a cluster upgrade would resume from an older
 * retained checkpoint, or, finding none, start over and remove files the savepoint still refers to.
 *
 * @param path the savepoint or checkpoint to restore, if any
 * @param given true when the environment named it
 */
public record ResumePoint(Optional<String> path, boolean given) {

    public static ResumePoint choose(
            ReadableConfig environment, boolean fresh, String checkpointDir) throws IOException {
        Optional<String> given = environment.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        if (given.isPresent()) {
            return new ResumePoint(given, true);
        }
        return new ResumePoint(
                fresh ? Optional.empty() : CheckpointLocator.latest(checkpointDir), false);
    }

    /** True when the job continues from earlier state rather than a new snapshot. */
    public boolean resuming() {
        return path.isPresent();
    }
}
