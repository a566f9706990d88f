package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import io.permafrost.cli.DemoCommand;
import io.permafrost.cli.Main;
import io.permafrost.config.ConfigLoader;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.job.ArchiveRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import picocli.CommandLine;

/**
 * 7. Permafrost {@code run}, streaming. The job snapshots the table, then tails the WAL while this
 * JVM inserts rows (into today's window, in one transaction per 100 ms) at each rate of a ladder
 * for a fixed time. A rate is sustained when the archiver's lag does not grow. Lag is end to end:
 * the rows in today's window's committed Parquet files (FileSink makes them visible at each
 * checkpoint; their footers give the row counts) against the rows inserted so far, in seconds (how
 * long ago the inserts had reached what is archived now). It grows when its highest value over the
 * last third of a step exceeds that over the middle third by more than max(one checkpoint interval,
 * 10 % of a third). Steps stop at the first rate not sustained.
 *
 * <p>Window close latency: {@code close_after} is set so that the last daily window of the seed
 * data closes a known time ({@code lead}) after the job starts, i.e. after its snapshot; the
 * latency is that window's Iceberg snapshot time minus its close time (the database clock passing
 * its end plus close_after), measured while rows arrive at the ladder's first rate.
 */
public final class PermafrostStream implements Child.Measure {

    /** {millis, rows inserted so far}, appended by the inserting thread. */
    private final List<long[]> inserted = new ArrayList<>();

    /** {millis, rows in committed files so far}, appended by the sampler. */
    private final List<long[]> archived = new ArrayList<>();

    private volatile boolean sampling = true;
    private long insertedTotal;

    /** The unlogged table of pre-generated rows, while a ladder step runs. */
    private static final String STAGE = "bench_stage";

    /** The highest row number in {@link #STAGE}, -1 when there is none. */
    private long stagedUntil = -1;

    /** The seed table's columns, in order, for copying rows out of {@link #STAGE}. */
    private String columns;

    private long stagedRows;
    private double stagedSeconds;

    @Override
    public Params run(Params in) throws Exception {
        Windows w = Windows.of(in);
        long seedRows = in.getLong("data.rows");
        LocalDate lastDay = w.from().plusDays(w.count() - 1L);
        Instant windowEnd = lastDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        long lead = in.getLong("close.lead.s");
        long closeAfter =
                Instant.now().plusSeconds(lead).getEpochSecond() - windowEnd.getEpochSecond();
        Instant closeAt = windowEnd.plusSeconds(closeAfter);
        String checkpoint = in.get("checkpoint");
        double checkpointS = in.getDouble("checkpoint.s", 5);
        long stepMs = in.getLong("step.s") * 1000;
        String[] rates = in.get("rates").split(",");
        Path dir = Path.of(in.get("warehouse")).getParent();
        Path config = PermafrostConfigs.write(in, dir, closeAfter + "s", "1s", checkpoint);
        String location = PermafrostConfigs.location(in);
        List<String> notes = new ArrayList<>();
        Params out = new Params();

        ArchiveRunner runner =
                new ArchiveRunner(
                        ConfigLoader.load(config), new ArchiveRunner.Options(false, null, true));
        long t0 = System.currentTimeMillis();
        JobClient job = runner.start();
        Path todayDir = Path.of(location, "data", Windows.path(LocalDate.now(ZoneOffset.UTC)));
        Thread sampler = new Thread(() -> sample(todayDir), "lag-sampler");
        sampler.setDaemon(true);
        try (Connection c = Pg.connect(in, in.get("db"))) {
            // 1. the snapshot: every window but the last closes right after it
            long timeout = t0 + in.getLong("snapshot.timeout.s") * 1000;
            while (committedWindows(location).size() < w.count() - 1) {
                if (System.currentTimeMillis() > timeout) {
                    throw new IllegalStateException(
                            "the snapshot did not finish within "
                                    + in.getLong("snapshot.timeout.s")
                                    + " s");
                }
                checkJob(job);
                Thread.sleep(500);
            }
            long snapshotDone = System.currentTimeMillis();
            out.set("snapshot_s", (snapshotDone - t0) / 1000.0);
            notes.add(
                    String.format(
                            "snapshot of %,d rows and commit of %d windows: %.0f s",
                            seedRows, w.count() - 1, (snapshotDone - t0) / 1000.0));
            sampler.start();

            // 2. close latency of the last window, under the first rate
            long[] g = {seedRows + 1};
            double firstRate = Double.parseDouble(rates[0]);
            String lastPath = Windows.path(lastDay);
            if (snapshotDone > closeAt.toEpochMilli()) {
                notes.add(
                        "close latency not measured: the window closed during the snapshot (raise --stream-lead)");
            } else {
                long until = closeAt.toEpochMilli() + (long) (10 * checkpointS * 1000) + 60_000;
                Long committedAt = null;
                while (committedAt == null && System.currentTimeMillis() < until) {
                    insertAt(c, firstRate, 1000, g);
                    committedAt = committedWindows(location).get(lastPath);
                    checkJob(job);
                }
                if (committedAt == null) {
                    notes.add("close latency not measured: the window was not committed in time");
                } else {
                    double latency = (committedAt - closeAt.toEpochMilli()) / 1000.0;
                    out.set("latency_s", latency);
                    notes.add(
                            String.format(
                                    "window %s closed at %s, its Iceberg snapshot %.1f s later (checkpoints every %s, heartbeat 1 s, inserts at %.0f rows/s)",
                                    lastPath, closeAt, latency, checkpoint, firstRate));
                }
            }

            // 3. the rate ladder
            double best = 0;
            boolean insertsLimited = false;
            List<String> ladder = new ArrayList<>();
            for (String r : rates) {
                double rate = Double.parseDouble(r);
                stage(c, g[0], g[0] + (long) Math.ceil(rate * stepMs / 1000.0) + 1_000);
                long start = System.currentTimeMillis();
                long inserted = insertAt(c, rate, stepMs, g);
                long end = System.currentTimeMillis();
                unstage(c);
                double achieved = inserted * 1000.0 / (end - start);
                double[] lag = lagVerdict(start, end, checkpointS);
                boolean rateMet = achieved >= 0.95 * rate;
                boolean growing = lag[2] > 0;
                boolean drained = drain(insertedTotal, Math.max(60_000, stepMs));
                boolean keptUp = !growing && drained;
                String verdict =
                        !rateMet
                                ? "inserts reached only "
                                        + Math.round(achieved)
                                        + " rows/s"
                                        + (keptUp ? ", kept up with them" : "")
                                : growing ? "lag grew" : !drained ? "lag did not drain" : "ok";
                ladder.add(
                        String.format(
                                "%.0f rows/s: lag %.1f→%.1f s, %s", rate, lag[0], lag[1], verdict));
                if (keptUp) {
                    // The archiver kept up with every row that arrived: a rate sustained, even
                    // where the inserting client fell short of the rate asked.
                    best = Math.max(best, achieved);
                }
                if (!rateMet) {
                    insertsLimited = keptUp;
                }
                if (!verdict.equals("ok")) {
                    break;
                }
                checkJob(job);
            }
            out.set("rate", best);
            out.set("ladder", String.join("; ", ladder));
            notes.add(
                    String.format(
                            "the ladder's inserts copy rows generated before each step into an"
                                    + " unlogged table (not timed, no WAL; %,d rows generated at"
                                    + " %,.0f rows/s by one backend), so the inserting backend"
                                    + " spends the cores on inserting, as an application's would,"
                                    + " not on computing hashes",
                            stagedRows, stagedRows / stagedSeconds));
            if (best > 0 && best >= 0.95 * Double.parseDouble(rates[rates.length - 1])) {
                notes.add("every rate of the ladder was sustained: the limit is higher");
            } else if (insertsLimited) {
                notes.add(
                        "the ladder stopped where the inserts fell short of the rate asked while"
                                + " the lag stayed flat: the rate sustained is the inserts' limit"
                                + " on these cores, the archiver's is higher");
            }
            out.set("rows", g[0] - seedRows - 1);
            // Files of the closed windows (only those are in Iceberg), after run's compaction.
            IcebergStats closed = IcebergStats.of(location);
            out.set("files", closed.files())
                    .set("windows", closed.partitions())
                    .set("max_files_per_window", closed.maxFiles());
            notes.add(
                    String.format(
                            "closed windows after the ladder: %d files in %d windows (max %d in one)",
                            closed.files(), closed.partitions(), closed.maxFiles()));

            // 4. catch-up: the job stops, a WAL backlog builds up, the job resumes from its
            // last checkpoint and reads the backlog with the cores to itself (as 7w does)
            long backlog = in.getLong("catchup.rows", 0);
            if (backlog > 0) {
                drain(insertedTotal, 120_000);
                stop(job);
                insertBacklog(c, backlog, g);
                long r0 = System.currentTimeMillis();
                job =
                        new ArchiveRunner(
                                        ConfigLoader.load(config),
                                        new ArchiveRunner.Options(false, null, false))
                                .start();
                long timeoutMs = Math.max(300_000, backlog / 2);
                while (archivedNow() < insertedTotal) {
                    if (System.currentTimeMillis() - r0 > timeoutMs) {
                        throw new IllegalStateException(
                                "the backlog was not archived within " + timeoutMs / 1000 + " s");
                    }
                    checkJob(job);
                    Thread.sleep(250);
                }
                double seconds = (System.currentTimeMillis() - r0) / 1000.0;
                // The steady rate: from the first checkpoint that showed backlog rows to the one
                // that showed the last, so the restart's start-up is not counted.
                long[] first = null;
                long[] last = null;
                synchronized (archived) {
                    for (long[] x : archived) {
                        if (x[0] >= r0 && x[1] > insertedTotal - backlog && first == null) {
                            first = x;
                        }
                        if (x[0] >= r0 && x[1] >= insertedTotal && last == null) {
                            last = x;
                        }
                    }
                }
                String steady;
                if (first != null && last != null && last[0] > first[0]) {
                    double rate = (last[1] - first[1]) * 1000.0 / (last[0] - first[0]);
                    out.set("catchup_rate", rate);
                    steady =
                            String.format(
                                    "%,.0f rows/s between the first and the last checkpoint that"
                                            + " showed backlog rows",
                                    rate);
                } else {
                    steady = "too small a backlog for a steady rate (raise --decode-rows)";
                }
                notes.add(
                        String.format(
                                "catch-up: %,d rows inserted (transactions of 1,000) while the job"
                                        + " was stopped, all archived %.1f s after its restart from"
                                        + " the last checkpoint (start-up included); %s",
                                backlog, seconds, steady));
            }
        } finally {
            sampling = false;
            stop(job);
        }
        teardown(config);
        return out.set(
                "notes",
                String.join("; ", notes)
                        + String.format(
                                "; stream_reader %s, parallelism %s, checkpoint_interval %s, step %d s",
                                in.get("stream_reader", "auto"),
                                in.get("parallelism"),
                                checkpoint,
                                stepMs / 1000));
    }

    private static void stop(JobClient job) throws Exception {
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            return;
        }
        job.cancel().get();
        try {
            job.getJobExecutionResult().get();
        } catch (ExecutionException cancelled) {
            // cancelled on purpose
        }
    }

    /** Inserts {@code rows} rows as fast as one connection can, in transactions of 1,000. */
    private void insertBacklog(Connection c, long rows, long[] g) throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Statement s = c.createStatement()) {
            for (long done = 0; done < rows; ) {
                long n = Math.min(1_000, rows - done);
                insert(s, today, n, g);
                done += n;
            }
        }
    }

    /**
     * Generates the sample rows {@code first..last} (today's window) into an unlogged table, from
     * which {@link #insert} then copies them: generating a row (four SHA-256, an MD5, an array)
     * costs the server about as much as inserting it, and on two cores that cost would be taken
     * from the archiver. Unlogged, so the slot never sees these writes.
     */
    private void stage(Connection c, long first, long last) throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String generate = DemoCommand.sampleRows(today, 0, first, last, last + 1);
        String into = "INSERT INTO " + Pg.TABLE + " SELECT";
        String from = " FROM generate_series(";
        if (!generate.startsWith(into) || !generate.contains(from)) {
            throw new IllegalStateException("unexpected sample row statement: " + generate);
        }
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + STAGE);
            s.execute(
                    "CREATE UNLOGGED TABLE "
                            + STAGE
                            + " (LIKE "
                            + Pg.TABLE
                            + ", stage_g bigint NOT NULL)");
            s.execute(
                    "INSERT INTO "
                            + STAGE
                            + " SELECT"
                            + generate.substring(into.length()).replace(from, ", g" + from));
            s.execute("CREATE INDEX ON " + STAGE + " (stage_g)");
            s.execute("ANALYZE " + STAGE);
            columns =
                    Pg.queryString(
                            c,
                            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)"
                                    + " FROM pg_attribute WHERE attrelid = '"
                                    + Pg.TABLE
                                    + "'::regclass AND attnum > 0 AND NOT attisdropped");
        }
        stagedUntil = last;
        stagedRows += last - first + 1;
        stagedSeconds += (System.nanoTime() - t0) / 1e9;
    }

    private void unstage(Connection c) throws Exception {
        stagedUntil = -1;
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + STAGE);
        }
    }

    /**
     * One transaction of {@code n} rows into today's window, copied from the staged rows when
     * {@link #stage} made them, else generated; records the running total.
     */
    private void insert(Statement s, LocalDate today, long n, long[] g) throws Exception {
        if (g[0] + n - 1 <= stagedUntil) {
            s.execute(
                    "INSERT INTO "
                            + Pg.TABLE
                            + " SELECT "
                            + columns
                            + " FROM "
                            + STAGE
                            + " WHERE stage_g BETWEEN "
                            + g[0]
                            + " AND "
                            + (g[0] + n - 1));
        } else {
            s.execute(DemoCommand.sampleRows(today, 0, g[0], g[0] + n - 1, g[0] + n));
        }
        g[0] += n;
        insertedTotal += n;
        synchronized (inserted) {
            inserted.add(new long[] {System.currentTimeMillis(), insertedTotal});
        }
    }

    /** Inserts at {@code rate} rows/s for {@code millis}, one transaction per 100 ms tick. */
    private long insertAt(Connection c, double rate, long millis, long[] g) throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        long start = System.nanoTime();
        long done = 0;
        try (Statement s = c.createStatement()) {
            for (int tick = 1; ; tick++) {
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                if (elapsedMs >= millis) {
                    break;
                }
                long target = (long) (rate * elapsedMs / 1000.0);
                long n = Math.min(target - done, (long) Math.max(1, rate));
                if (n > 0) {
                    insert(s, today, n, g);
                    done += n;
                }
                long sleep = tick * 100L - (System.nanoTime() - start) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        }
        return done;
    }

    /** Committed windows of the Iceberg table and when their first snapshot was made. */
    private static Map<String, Long> committedWindows(String location) {
        Map<String, Long> windows = new HashMap<>();
        Table t;
        try {
            t = new HadoopTables(new org.apache.hadoop.conf.Configuration()).load(location);
        } catch (RuntimeException notYet) {
            return windows;
        }
        for (Snapshot s : t.snapshots()) {
            String wnd = s.summary().get(WindowCommitter.WINDOW);
            if (wnd != null) {
                windows.merge(wnd, s.timestampMillis(), Math::min);
            }
        }
        return windows;
    }

    /** Counts the rows of the committed Parquet files of today's window, every 500 ms. */
    private void sample(Path dir) {
        Map<Path, Long> seen = new HashMap<>();
        long total = 0;
        try {
            while (sampling) {
                if (Files.isDirectory(dir)) {
                    List<Path> files;
                    try (Stream<Path> l = Files.list(dir)) {
                        files =
                                l.filter(
                                                f ->
                                                        !f.getFileName().toString().startsWith(".")
                                                                && f.toString()
                                                                        .endsWith(".parquet"))
                                        .toList();
                    }
                    for (Path f : files) {
                        if (!seen.containsKey(f)) {
                            long n;
                            try (ParquetFileReader r =
                                    ParquetFileReader.open(new LocalInputFile(f))) {
                                n = r.getRecordCount();
                            }
                            seen.put(f, n);
                            total += n;
                        }
                    }
                }
                synchronized (archived) {
                    archived.add(new long[] {System.currentTimeMillis(), total});
                }
                Thread.sleep(500);
            }
        } catch (Exception e) {
            System.err.println("lag sampler stopped: " + e);
        }
    }

    private long archivedNow() {
        synchronized (archived) {
            return archived.isEmpty() ? 0 : archived.get(archived.size() - 1)[1];
        }
    }

    /** Seconds since the inserts had reached what sample {@code x} saw archived. */
    private static double lagSeconds(List<long[]> ins, long[] x) {
        long since = x[0];
        for (int i = ins.size() - 1; i >= 0 && ins.get(i)[1] > x[1]; i--) {
            // the inserts made after the archived count: the oldest of them is the lag
            since = ins.get(i)[0];
        }
        return Math.max(0, (x[0] - since) / 1000.0);
    }

    /** {lag at a third of the step, lag at its end, 1 if it grew else 0}. */
    private double[] lagVerdict(long start, long end, double checkpointS) {
        List<long[]> all;
        List<long[]> ins;
        synchronized (archived) {
            all = new ArrayList<>(archived);
        }
        synchronized (inserted) {
            ins = new ArrayList<>(inserted);
        }
        long third = (end - start) / 3;
        double midMax = 0;
        double lastMax = 0;
        double atThird = 0;
        double atEnd = 0;
        for (long[] x : all) {
            if (x[0] < start + third || x[0] > end) {
                continue;
            }
            double lag = lagSeconds(ins.subList(0, upTo(ins, x[0])), x);
            if (x[0] < start + 2 * third) {
                midMax = Math.max(midMax, lag);
                if (atThird == 0) {
                    atThird = lag;
                }
            } else {
                lastMax = Math.max(lastMax, lag);
            }
            atEnd = lag;
        }
        double tolerance = Math.max(checkpointS, 0.1 * third / 1000.0);
        return new double[] {atThird, atEnd, lastMax > midMax + tolerance ? 1 : 0};
    }

    /** How many inserts had happened by {@code millis}. */
    private static int upTo(List<long[]> ins, long millis) {
        int k = 0;
        while (k < ins.size() && ins.get(k)[0] <= millis) {
            k++;
        }
        return k;
    }

    /** Waits until {@code rows} rows are in committed files; false on timeout. */
    private boolean drain(long rows, long timeoutMs) throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < until) {
            if (archivedNow() >= rows) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    private static void checkJob(JobClient job) throws Exception {
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            job.getJobExecutionResult().get(); // throws the job's failure
            throw new IllegalStateException("the archive job ended");
        }
    }

    private static void teardown(Path config) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            CommandLine cl = Main.commandLine();
            StringWriter sw = new StringWriter();
            cl.setOut(new PrintWriter(sw));
            cl.setErr(new PrintWriter(sw));
            if (cl.execute("teardown", "-c", config.toString()) == 0) {
                return;
            }
            Thread.sleep(1000); // the slot is still held by the cancelled job
        }
    }
}
