package io.permafrost.compact;

import io.permafrost.model.WindowSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs window compactions one at a time on a thread of its own, so that rewriting a large window
 * never holds up the task thread (and with it the checkpoints). Submitting and collecting results
 * happen on the caller's thread; each compaction reports back once, successful or not.
 */
public final class BackgroundCompactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundCompactions.class);

    /**
     * One finished compaction of a window submitted for checkpoint {@code eligibleAt}; {@code
     * result} is null when there was nothing to do, {@code error} is set when it failed.
     */
    public record Done(
            String window, long eligibleAt, WindowCompactor.Result result, Exception error) {}

    private final WindowCompactor compactor;
    private final WindowSpec windows;
    private final ExecutorService executor;
    private final Set<String> running = new HashSet<>();
    private final Queue<Done> done = new ConcurrentLinkedQueue<>();

    public BackgroundCompactions(WindowCompactor compactor, WindowSpec windows, String threadName) {
        this.compactor = compactor;
        this.windows = windows;
        // Created by the task thread, so the thread has the job's class loader.
        this.executor =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
    }

    public boolean isRunning(String window) {
        return running.contains(window);
    }

    public void submit(String window, long eligibleAt) {
        running.add(window);
        executor.execute(
                () -> {
                    try {
                        WindowCompactor.Result r =
                                compactor.compact(windows.parsePath(window)).orElse(null);
                        done.add(new Done(window, eligibleAt, r, null));
                    } catch (Exception e) {
                        LOG.warn("Compaction of window {} failed", window, e);
                        done.add(new Done(window, eligibleAt, null, e));
                    }
                });
    }

    /** The compactions that finished since the last call. */
    public List<Done> finished() {
        List<Done> out = new ArrayList<>();
        for (Done d = done.poll(); d != null; d = done.poll()) {
            running.remove(d.window());
            out.add(d);
        }
        return out;
    }

    /**
     * Stops, waiting a little for a running compaction: one cut short leaves only files that the
     * next attempt removes.
     */
    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
