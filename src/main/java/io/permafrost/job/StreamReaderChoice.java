package io.permafrost.job;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig.StreamReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;

/**
 * Resolves {@code source.stream_reader} for a run. A run's checkpoint holds its reader's position
 * (Flink CDC's offsets, or Permafrost's WAL split) under that reader's operator uid, and the other
 * reader cannot take it over: Flink would refuse the state, or the run would start a second
 * snapshot. So a resumed run keeps the reader its checkpoint was written by; a new run with {@code
 * auto} takes {@code pgoutput} where it can read the tables.
 */
final class StreamReaderChoice {

    private StreamReaderChoice() {}

    /**
     * @param configured {@code source.stream_reader} as configured
     * @param pgoutputUnfit why {@code pgoutput} cannot read the tables, or null when it can
     * @param writtenBy the reader the resumed checkpoint was written by; null when the run starts
     *     without one, or when its state does not tell (then Flink's own restore check decides)
     * @param checkpoint the checkpoint or savepoint resumed, for messages
     */
    static StreamReader choose(
            StreamReader configured,
            String pgoutputUnfit,
            StreamReader writtenBy,
            String checkpoint) {
        if (configured != StreamReader.AUTO && writtenBy != null && writtenBy != configured) {
            throw new ConfigException(
                    "source.stream_reader",
                    "is "
                            + name(configured)
                            + ", but this run's checkpoint "
                            + checkpoint
                            + " was written by the "
                            + name(writtenBy)
                            + " reader, and only that reader can resume from it",
                    "set stream_reader: "
                            + name(writtenBy)
                            + " (or auto) to resume, or start over with a new snapshot:"
                            + " `permafrost run --fresh`");
        }
        StreamReader chosen =
                writtenBy != null
                        ? writtenBy
                        : configured != StreamReader.AUTO
                                ? configured
                                : pgoutputUnfit == null ? StreamReader.PGOUTPUT : StreamReader.CDC;
        if (chosen == StreamReader.PGOUTPUT && pgoutputUnfit != null) {
            // resuming a pgoutput run whose tables the reader can no longer read
            throw ArchivePlan.pgoutputRefused(
                    pgoutputUnfit
                            + " (this run's checkpoint "
                            + checkpoint
                            + " was written by the pgoutput reader: start over with"
                            + " `permafrost run --fresh`)");
        }
        return chosen;
    }

    /**
     * Which reader's job holds the checkpoint's state of its source: the reader whose operators
     * that the other job lacks (the source, under its reader's uid) have state in the checkpoint.
     * Null when neither or both do. Operators both jobs share (router, writers, committers) do not
     * decide, so a checkpoint of a run whose table list changed still tells its reader, and Flink's
     * restore then reports what it cannot map.
     *
     * @param jobs the job graph each reader would run
     */
    static StreamReader writtenBy(String checkpoint, Map<StreamReader, JobGraph> jobs)
            throws IOException {
        Set<OperatorID> stateful = operatorsWithState(checkpoint);
        Map<StreamReader, Set<OperatorID>> operators = new java.util.EnumMap<>(StreamReader.class);
        jobs.forEach((reader, job) -> operators.put(reader, operators(job)));
        StreamReader found = null;
        for (Map.Entry<StreamReader, Set<OperatorID>> e : operators.entrySet()) {
            Set<OperatorID> own = new HashSet<>(e.getValue());
            operators.forEach(
                    (other, ops) -> {
                        if (other != e.getKey()) {
                            own.removeAll(ops);
                        }
                    });
            own.retainAll(stateful);
            if (!own.isEmpty()) {
                if (found != null) {
                    return null;
                }
                found = e.getKey();
            }
        }
        return found;
    }

    /** The operators a checkpoint or savepoint holds state of. */
    static Set<OperatorID> operatorsWithState(String checkpoint) throws IOException {
        CompletedCheckpointStorageLocation location =
                AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(checkpoint);
        CheckpointMetadata metadata;
        try (DataInputStream in =
                new DataInputStream(location.getMetadataHandle().openInputStream())) {
            metadata =
                    Checkpoints.loadCheckpointMetadata(
                            in, StreamReaderChoice.class.getClassLoader(), checkpoint);
        }
        Set<OperatorID> out = new HashSet<>();
        for (OperatorState op : metadata.getOperatorStates()) {
            if (op.getCoordinatorState() != null || anyState(op.getStates())) {
                out.add(op.getOperatorID());
            }
        }
        return out;
    }

    private static boolean anyState(Collection<OperatorSubtaskState> states) {
        return states.stream().anyMatch(OperatorSubtaskState::hasState);
    }

    private static Set<OperatorID> operators(JobGraph job) {
        Set<OperatorID> out = new HashSet<>();
        for (JobVertex v : job.getVertices()) {
            for (OperatorIDPair p : v.getOperatorIDs()) {
                out.add(p.getGeneratedOperatorID());
                p.getUserDefinedOperatorID().ifPresent(out::add);
            }
        }
        return out;
    }

    private static String name(StreamReader reader) {
        return reader.name().toLowerCase(java.util.Locale.ROOT);
    }
}
