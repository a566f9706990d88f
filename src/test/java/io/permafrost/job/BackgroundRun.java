package io.permafrost.job;

import io.permafrost.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ContinuousRun} on a thread of its own, as {@code permafrost run} runs it: it plans the
 * job again after a schema change.
 */
record BackgroundRun(ContinuousRun run, CompletableFuture<Void> ended) {

    static BackgroundRun start(Path config) throws Exception {
        ContinuousRun run = new ContinuousRun(ConfigLoader.load(config), false, runner -> {});
        return new BackgroundRun(
                run,
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                run.run();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }));
    }

    int starts() {
        return run.starts();
    }

    /** Cancels the run and waits for it to end. */
    void stop() throws Exception {
        run.cancel();
        ended.get();
    }
}
