package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.parquet.CopyBinaryReader;
import io.permafrost.bench.parquet.SeedParquet;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * 2. Sink limit: the table's rows, staged beforehand as one binary COPY file per daily window (in
 * the page cache), decoded and written as one Parquet (ZSTD) file per window with plain
 * parquet-java, on {@code threads} threads (windows handed out in turn). A decode-only pass first
 * tells how much of the time is the COPY decoding rather than Parquet.
 */
public final class SinkLimit implements Child.Measure {

    @Override
    public Params run(Params in) throws Exception {
        int threads = (int) in.getLong("threads");
        Path stage = Path.of(in.get("stage.dir"));
        Path outDir = Path.of(in.get("out.dir"));
        Files.createDirectories(outDir);
        List<Path> files;
        try (Stream<Path> s = Files.list(stage)) {
            files = s.filter(f -> f.toString().endsWith(".bin")).sorted().toList();
        }

        long t0 = System.nanoTime();
        long decoded = 0;
        for (Path f : files) {
            try (InputStream is = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                CopyBinaryReader r = new CopyBinaryReader(is);
                while (r.next()) {
                    decoded++;
                }
            }
        }
        double decodeSeconds = (System.nanoTime() - t0) / 1e9;

        AtomicInteger next = new AtomicInteger();
        AtomicLong rows = new AtomicLong();
        AtomicLong inBytes = new AtomicLong();
        List<Throwable> errors = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        Child.Cpu cpu = Child.Cpu.start(in);
        long t1 = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    for (int k = next.getAndIncrement();
                                            k < files.size();
                                            k = next.getAndIncrement()) {
                                        Path f = files.get(k);
                                        String name =
                                                f.getFileName().toString().replace(".bin", "");
                                        long[] n =
                                                encode(
                                                        Files.newInputStream(f),
                                                        outDir.resolve(name + ".zstd.parquet"));
                                        rows.addAndGet(n[0]);
                                        inBytes.addAndGet(n[1]);
                                    }
                                } catch (Throwable e) {
                                    synchronized (errors) {
                                        errors.add(e);
                                    }
                                }
                            },
                            "encoder-" + i);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        Params out = cpu.stop(new Params());
        if (!errors.isEmpty()) {
            throw new IllegalStateException("encoding failed", errors.get(0));
        }
        if (decoded != rows.get()) {
            throw new IllegalStateException("decoded " + decoded + " rows but wrote " + rows);
        }
        return out.set("rows", rows.get())
                .set("seconds", seconds)
                .set("in_bytes", inBytes.get())
                .set("out_bytes", sizeOf(outDir))
                .set("files", files.size())
                .set("windows", files.size())
                .set(
                        "notes",
                        String.format(
                                "%d thread(s), one file per window; COPY-binary decoding alone: %,.0f rows/s",
                                threads, decoded / decodeSeconds));
    }

    /** Decodes one binary COPY stream into one Parquet file: {rows, input bytes}. */
    public static long[] encode(InputStream raw, Path out) throws IOException {
        long n = 0;
        try (InputStream is = new BufferedInputStream(raw, 1 << 16);
                ParquetWriter<CopyBinaryReader> w = SeedParquet.writer(out)) {
            CopyBinaryReader r = new CopyBinaryReader(is);
            while (r.next()) {
                w.write(r);
                n++;
            }
            return new long[] {n, r.bytesRead()};
        }
    }

    public static long sizeOf(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    return 0;
                                }
                            })
                    .sum();
        }
    }
}
