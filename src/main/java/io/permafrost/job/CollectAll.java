package io.permafrost.job;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs a bounded job and collects what it emits, one result per task. Flink's collect client may
 * lose the last results when a local cluster shuts down before they are fetched (it logs "Some data
 * might be lost"); a command that reports or commits per task must not carry on with fewer results
 * than tasks, so the count is checked here.
 */
public final class CollectAll {

    private CollectAll() {}

    /**
     * @param what the tasks, for the error, e.g. "windows"
     * @throws IllegalStateException when the job emitted more or fewer results than {@code tasks}
     */
    public static <T> List<T> of(DataStream<T> stream, String jobName, int tasks, String what)
            throws Exception {
        List<T> out = new ArrayList<>();
        try (CloseableIterator<T> it = stream.executeAndCollect(jobName)) {
            it.forEachRemaining(out::add);
        }
        if (out.size() != tasks) {
            throw new IllegalStateException(
                    jobName
                            + " received "
                            + out.size()
                            + " results for "
                            + tasks
                            + " "
                            + what
                            + " (Flink's collect client lost or repeated some); run it again");
        }
        return out;
    }
}
