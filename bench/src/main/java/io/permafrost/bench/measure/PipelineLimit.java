package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * 3. Pipeline limit: the simplest two-core pipeline of 1 and 2. One thread runs {@code COPY (window
 * query) TO STDOUT (FORMAT binary)} for each daily window in turn; another decodes and writes each
 * window as one Parquet (ZSTD) file; 256 KiB chunks pass between them through a bounded queue.
 */
public final class PipelineLimit implements Child.Measure {

    private static final byte[] END = new byte[0];

    @Override
    public Params run(Params in) throws Exception {
        Path outDir = Path.of(in.get("out.dir"));
        Files.createDirectories(outDir);
        List<LocalDate> days = Windows.of(in).days();
        BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(64);
        Throwable[] readError = new Throwable[1];
        long[] inBytes = new long[1];

        Child.Cpu cpu = Child.Cpu.start(in);
        long t0 = System.nanoTime();
        Thread reader =
                new Thread(
                        () -> {
                            try (Connection c = Pg.connect(in, in.get("db"))) {
                                for (LocalDate d : days) {
                                    ChunkStream out = new ChunkStream(queue);
                                    Pg.copyBinary(c, Windows.query(d), out);
                                    out.close();
                                    inBytes[0] += out.bytes;
                                }
                            } catch (Throwable e) {
                                readError[0] = e;
                                queue.clear();
                                queue.offer(END);
                            }
                        },
                        "copy-reader");
        reader.start();
        long rows = 0;
        for (LocalDate d : days) {
            if (readError[0] != null) {
                break;
            }
            try {
                long[] n =
                        SinkLimit.encode(
                                new QueueStream(queue),
                                outDir.resolve(d.toString() + ".zstd.parquet"));
                rows += n[0];
            } catch (IOException e) {
                reader.join();
                if (readError[0] != null) {
                    throw new IllegalStateException("COPY reader failed", readError[0]);
                }
                throw e;
            }
        }
        reader.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Params out = cpu.stop(new Params());
        if (readError[0] != null) {
            throw new IllegalStateException("COPY reader failed", readError[0]);
        }
        return out.set("rows", rows)
                .set("seconds", seconds)
                .set("in_bytes", inBytes[0])
                .set("out_bytes", SinkLimit.sizeOf(outDir))
                .set("files", days.size())
                .set("windows", days.size())
                .set(
                        "notes",
                        "COPY per window (index on uploaded_date) on one thread, decode + Parquet on another");
    }

    /** Cuts a COPY stream into 256 KiB chunks for the queue; close() marks the window's end. */
    static final class ChunkStream extends OutputStream {
        private final BlockingQueue<byte[]> queue;
        private byte[] chunk = new byte[256 * 1024];
        private int n;
        long bytes;

        ChunkStream(BlockingQueue<byte[]> queue) {
            this.queue = queue;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            bytes += len;
            while (len > 0) {
                int k = Math.min(len, chunk.length - n);
                System.arraycopy(b, off, chunk, n, k);
                n += k;
                off += k;
                len -= k;
                if (n == chunk.length) {
                    put(chunk);
                    chunk = new byte[chunk.length];
                    n = 0;
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (n > 0) {
                put(java.util.Arrays.copyOf(chunk, n));
                n = 0;
            }
            put(END);
        }

        private void put(byte[] b) throws IOException {
            try {
                queue.put(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** Reads one window's chunks from the queue, up to its end marker. */
    static final class QueueStream extends InputStream {
        private final BlockingQueue<byte[]> queue;
        private byte[] cur = new byte[0];
        private int pos;
        private boolean done;

        QueueStream(BlockingQueue<byte[]> queue) {
            this.queue = queue;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (!done && pos == cur.length) {
                try {
                    cur = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                pos = 0;
                if (cur == END) {
                    done = true;
                }
            }
            if (done) {
                return -1;
            }
            int k = Math.min(len, cur.length - pos);
            System.arraycopy(cur, pos, b, off, k);
            pos += k;
            return k;
        }

        /** Consumes the rest of the window (the COPY trailer may end before its end marker). */
        @Override
        public void close() throws IOException {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // drain
            }
        }
    }
}
