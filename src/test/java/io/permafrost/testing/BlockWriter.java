package io.permafrost.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps inserting rows into {@code blocks (height, data)} while a test kills and restarts the
 * archiver: 50 consecutive heights every 100 ms, from a first height on.
 */
public final class BlockWriter {

    private final AtomicLong next;
    private final AtomicBoolean inserting = new AtomicBoolean(true);
    private final Thread thread;

    public BlockWriter(String database, long firstHeight) {
        next = new AtomicLong(firstHeight);
        thread =
                new Thread(
                        () -> {
                            while (inserting.get()) {
                                long from = next.get();
                                EmbeddedPostgres.execute(
                                        database,
                                        "INSERT INTO blocks SELECT g, repeat('x', 50) || g FROM generate_series("
                                                + from
                                                + ", "
                                                + (from + 49)
                                                + ") g");
                                next.addAndGet(50);
                                try {
                                    Thread.sleep(100);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        });
    }

    public void start() {
        thread.start();
    }

    /** Stops inserting and returns the last height inserted. */
    public long stop() throws InterruptedException {
        inserting.set(false);
        if (thread.isAlive()) {
            thread.join();
        }
        return next.get() - 1;
    }
}
