package io.permafrost.bench;

import io.permafrost.bench.measure.Windows;
import io.permafrost.cli.DemoCommand;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The benchmark harness (run it with {@code bench/run}; see bench/README.md): starts an embedded
 * PostgreSQL, creates the seed table with N rows over 60 daily windows, runs each selected
 * measurement R times, each in a fresh JVM, and prints one table.
 */
public final class Bench {

    static final List<String> ALL = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9");

    // options
    long rows = 5_000_000;
    int repeat = 3;
    int days = 60;
    Set<String> only = new LinkedHashSet<>(ALL);
    Path work = Path.of(System.getProperty("bench.home", "bench"), "target", "work");
    String heap = "2g";
    int parallelism = 2;
    String checkpoint = "30s";
    String streamCheckpoint = "5s";
    String streamReader = "auto";
    long streamSeconds = 60;
    String streamRates = "1000,2000,5000,10000,20000,50000";
    Long streamLead;
    Long decodeRows;
    long windowRows = 20_000_000;
    String windowHeap = "1g";
    boolean keep;
    boolean cds = true;

    private final Report report = new Report();
    private final Set<String> primed = new HashSet<>();
    private Params base;
    private EmbeddedPostgres pg;

    public static void main(String[] args) throws Exception {
        Bench b = new Bench();
        try {
            b.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        System.exit(b.run());
    }

    static final String USAGE =
            """
            usage: bench/run [--rows N] [--repeat R] [--only 1,2,...] [options]
              --rows N                 rows of the seed table (default 5000000)
              --repeat R               runs of each measurement (default 3): median, min-max
              --only LIST              measurements to run: 1 source, 2 sink, 3 pipeline, 4 users'
                                       script, 5 stock Flink, 6 Permafrost backfill, 7 Permafrost run
                                       (+ WAL decode), 8 one big window under -Xmx1g, 9 compaction
                                       of closed windows (default all)
              --days D                 daily windows the rows are spread over (default 60)
              --work DIR               scratch space (default bench/target/work; emptied first)
              --heap SIZE              -Xmx of each measurement's JVM (default 2g)
              --parallelism P          Flink parallelism of 5-9 (default 2)
              --checkpoint DUR         checkpoint interval of 5, 6, 8 (default 30s)
              --stream-checkpoint DUR  checkpoint interval of 7 (default 5s)
              --stream-reader R        source.stream_reader of 7: auto (the default, as
                                       permafrost's: pgoutput on a new run), pgoutput or cdc
              --stream-seconds S       seconds per insert rate in 7 (default 60)
              --stream-rates LIST      insert rates of 7, rows/s (default 1000,...,50000)
              --stream-lead S          seconds from the start of 7 to the close of the window whose
                                       latency is measured; must cover the snapshot (default:
                                       rows / the rate of 6 (5 with --stream-reader cdc) * 1.5
                                       + 60; not measured: at 100,000 (cdc: 10,000) rows/s)
              --decode-rows N          rows inserted for the WAL decode rate, and as the backlog
                                       7 catches up after a restart (default min(rows, 1000000))
              --window-rows N          rows of the one window of 8 (default 20000000)
              --window-heap SIZE       -Xmx of 8 (default 1g)
              --no-cds                 start 3 and 6-9 without a class-data archive (see README)
              --keep                   keep the work directory
            """;

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--keep")) {
                keep = true;
                continue;
            }
            if (a.equals("--no-cds")) {
                cds = false;
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--rows" -> rows = count(a, v);
                case "--repeat" -> repeat = (int) count(a, v);
                case "--days" -> days = (int) count(a, v);
                case "--only" -> {
                    only = new LinkedHashSet<>();
                    for (String s : v.split(",")) {
                        String id = s.strip().replace("7w", "7");
                        if (!ALL.contains(id)) {
                            throw new IllegalArgumentException("--only: unknown measurement " + s);
                        }
                        only.add(id);
                    }
                }
                case "--work" -> work = Path.of(v);
                case "--heap" -> heap = v;
                case "--parallelism" -> parallelism = (int) count(a, v);
                case "--checkpoint" -> checkpoint = v;
                case "--stream-checkpoint" -> streamCheckpoint = v;
                case "--stream-reader" -> {
                    if (!v.equals("auto") && !v.equals("cdc") && !v.equals("pgoutput")) {
                        throw new IllegalArgumentException(
                                "--stream-reader: auto, pgoutput or cdc, not " + v);
                    }
                    streamReader = v;
                }
                case "--stream-seconds" -> streamSeconds = count(a, v);
                case "--stream-rates" -> streamRates = v;
                case "--stream-lead" -> streamLead = count(a, v);
                case "--decode-rows" -> decodeRows = count(a, v);
                case "--window-rows" -> windowRows = count(a, v);
                case "--window-heap" -> windowHeap = v;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
    }

    private static long count(String option, String v) {
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a positive integer, not " + v);
        }
    }

    int run() throws Exception {
        work = work.toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        report.rows = rows;
        report.noClassData = !cds;
        report.days = days;
        report.repeat = repeat;
        report.loadStart = Machine.loadAverage();
        report.machine = Machine.describe();
        log("work directory " + work);
        log("starting an embedded PostgreSQL (wal_level=logical) ...");
        pg =
                EmbeddedPostgres.builder()
                        .setDataDirectory(work.resolve("pgdata"))
                        .setCleanDataDirectory(true)
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_replication_slots", "20")
                        .setServerConfig("max_wal_senders", "20")
                        .setServerConfig("max_connections", "100")
                        .setServerConfig("shared_buffers", "512MB")
                        .setServerConfig("max_wal_size", "8GB")
                        .setServerConfig("checkpoint_timeout", "30min")
                        .start();
        try {
            base =
                    new Params()
                            .set("pg.port", pg.getPort())
                            .set("pg.datadir", work.resolve("pgdata"));
            try (Connection c = Pg.connect(base, "postgres")) {
                report.postgres = Pg.queryString(c, "SHOW server_version");
                c.createStatement().execute("CREATE DATABASE bench");
            }
            // Windows end a day before today, so a backfill commits all of them at any hour.
            LocalDate from = LocalDate.now(ZoneOffset.UTC).minusDays(days + 1L);
            base.set("data.from", from).set("data.days", days).set("data.rows", rows);
            log(String.format("creating %s with %,d rows over %d days ...", Pg.TABLE, rows, days));
            long t0 = System.nanoTime();
            Pg.createSeedTable(
                    base, "bench", from, days, rows, n -> log(String.format("  %,d rows", n)));
            log(String.format("loaded in %.0f s", (System.nanoTime() - t0) / 1e9));
            try (Connection c = Pg.connect(base, "bench")) {
                report.tableBytes =
                        Pg.queryLong(c, "SELECT pg_total_relation_size('" + Pg.TABLE + "')");
                Pg.CountingNull n = new Pg.CountingNull();
                Pg.copyBinary(c, "SELECT * FROM " + Pg.TABLE, n); // also warms the caches
                report.copyBytes = n.bytes;
            }

            boolean pairs = only.contains("3") && only.contains("6");
            for (String id : only) {
                switch (id) {
                    case "1" -> sourceLimit();
                    case "2" -> sinkLimit();
                    case "3" -> {
                        if (pairs) {
                            pipelineAndBackfill();
                        } else {
                            pipelineLimit();
                        }
                    }
                    case "4" -> usersScript();
                    case "5" -> stockFlink();
                    case "6" -> {
                        if (!pairs) {
                            backfill();
                        }
                    }
                    case "7" -> stream();
                    case "8" -> bigWindow();
                    case "9" -> compaction();
                    default -> throw new IllegalStateException(id);
                }
            }
            for (String id : ALL) {
                if (!only.contains(id)) {
                    report.skipped(id, "not selected (--only)");
                }
            }
        } finally {
            pg.close();
        }
        report.loadEnd = Machine.loadAverage();
        String text = report.render();
        System.out.println();
        System.out.print(text);
        Path results = work.getParent().resolve("results");
        Files.createDirectories(results);
        Path file =
                results.resolve(
                        "bench-"
                                + Instant.now().toString().replace(":", "").substring(0, 17)
                                + ".txt");
        Files.writeString(file, text);
        System.out.println("(also written to " + file + ")");
        if (!keep) {
            deleteTree(work);
        }
        return 0;
    }

    // --- the measurements ---------------------------------------------------------------------

    private void sourceLimit() throws Exception {
        repeat("1", "source", base.copy().set("db", "bench"), heap, timeout(rows));
    }

    private void sinkLimit() throws Exception {
        Path stage = work.resolve("stage");
        Files.createDirectories(stage);
        log("staging one binary COPY file per window for 2 (not timed) ...");
        try (Connection c = Pg.connect(base, "bench")) {
            for (LocalDate d : Windows.of(base).days()) {
                try (OutputStream out =
                        new BufferedOutputStream(
                                Files.newOutputStream(stage.resolve(d + ".bin")), 1 << 20)) {
                    Pg.copyBinary(c, Windows.query(d), out);
                }
            }
        }
        for (int threads : new int[] {1, 2}) {
            String id = threads == 1 ? "2a" : "2b";
            repeat(
                    id,
                    "sink",
                    base.copy()
                            .set("threads", threads)
                            .set("stage.dir", stage)
                            .set("out.dir", work.resolve("out-" + id)),
                    heap,
                    timeout(rows));
        }
        if (!keep) {
            deleteTree(stage);
        }
    }

    private void pipelineLimit() throws Exception {
        repeat("3", "pipeline", pipelineParams(), heap, timeout(rows));
    }

    private Params pipelineParams() {
        return base.copy().set("db", "bench").set("out.dir", work.resolve("out-3"));
    }

    /**
     * 3 and 6 in turn (3, 6, 3, 6, ...), so that each run of the backfill has a run of its baseline
     * a minute before it: this VM's speed drifts by more than the target's margin within an hour,
     * and 4 and 5 between them would put 10-30 minutes between the two.
     */
    private void pipelineAndBackfill() throws Exception {
        for (int r = 1; r <= repeat; r++) {
            once("3", r, "pipeline", pipelineParams(), heap, timeout(rows));
            once("6", r, "backfill", backfillParams(), heap, timeout(rows) * 2);
        }
        report.alternated("6", "3");
    }

    private void usersScript() throws Exception {
        String psql = Machine.which("psql");
        repeat(
                "4",
                "users",
                base.copy()
                        .set("db", "bench")
                        .set("psql", psql == null ? "" : psql)
                        .set("out.dir", work.resolve("out-4")),
                heap,
                timeout(rows));
    }

    private void stockFlink() throws Exception {
        repeat(
                "5",
                "stock",
                base.copy()
                        .set("db", "bench")
                        .set("slot", "bench_stock")
                        .set("parallelism", parallelism)
                        .set("checkpoint.ms", Machine.millis(checkpoint))
                        .set("warehouse", work.resolve("wh-5/warehouse")),
                heap,
                timeout(rows) * 4);
    }

    /** A Permafrost job on the bench table: its own slot and warehouse, the shared settings. */
    private Params permafrostParams(String slot, String warehouseDir) {
        return base.copy()
                .set("db", "bench")
                .set("slot", slot)
                .set("parallelism", parallelism)
                .set("checkpoint", checkpoint)
                .set("warehouse", work.resolve(warehouseDir + "/warehouse"));
    }

    private void backfill() throws Exception {
        repeat("6", "backfill", backfillParams(), heap, timeout(rows) * 2);
    }

    private Params backfillParams() {
        return permafrostParams("bench_backfill", "wh-6");
    }

    private void compaction() throws Exception {
        repeat(
                "9",
                "compaction",
                permafrostParams("bench_compaction", "wh-9"),
                heap,
                timeout(rows) * 4);
    }

    private void stream() throws Exception {
        long lead;
        if (streamLead != null) {
            lead = streamLead;
        } else {
            // with cdc, run's snapshot is Flink CDC's (as 5's); with pgoutput, binary COPY (6).
            // Not measured in this run (--only): a rate below any measured on 2 cores. The lead
            // is waited out with inserts at the first rate, which grow the table, so it must not
            // be far too long either (rows / 10,000 was 13.5 min at 5 M rows).
            boolean cdcSnapshot = streamReader.equals("cdc");
            Double rate = report.medianRate(cdcSnapshot ? "5" : "6");
            double guess = cdcSnapshot ? 10_000.0 : 100_000.0;
            lead = (long) (rows / (rate != null ? rate : guess) * 1.5) + 60;
        }
        long steps = streamRates.split(",").length;
        long n = decodeRows != null ? decodeRows : Math.min(rows, 1_000_000);
        for (int r = 1; r <= repeat; r++) {
            try (Connection c = Pg.connect(base, "postgres")) {
                c.createStatement().execute("CREATE DATABASE bench_stream TEMPLATE bench");
            }
            Params p =
                    base.copy()
                            .set("db", "bench_stream")
                            .set("slot", "bench_stream")
                            .set("parallelism", parallelism)
                            .set("checkpoint", streamCheckpoint)
                            .set("stream_reader", streamReader)
                            .set("checkpoint.s", Machine.millis(streamCheckpoint) / 1000.0)
                            .set("step.s", streamSeconds)
                            .set("rates", streamRates)
                            .set("close.lead.s", lead)
                            .set("catchup.rows", n)
                            .set("snapshot.timeout.s", timeout(rows) * 2)
                            .set("warehouse", work.resolve("wh-7/warehouse"));
            once(
                    "7",
                    r,
                    "stream",
                    p,
                    heap,
                    timeout(rows) * 2
                            + lead
                            + steps * (streamSeconds + 120)
                            + 2 * timeout(n)
                            + 600);
            dropDatabase("bench_stream");
        }
        String recv = Machine.which("pg_recvlogical");
        for (int r = 1; r <= repeat; r++) {
            try (Connection c = Pg.connect(base, "postgres")) {
                c.createStatement().execute("CREATE DATABASE bench_decode");
            }
            Pg.execute(base, "bench_decode", DemoCommand.SCHEMA);
            once(
                    "7w",
                    r,
                    "waldecode",
                    base.copy()
                            .set("db", "bench_decode")
                            .set("rows", n)
                            .set("batch", 1000)
                            .set("pg_recvlogical", recv == null ? "" : recv),
                    heap,
                    timeout(n) * 2);
            dropDatabase("bench_decode");
        }
    }

    private void bigWindow() throws Exception {
        try (Connection c = Pg.connect(base, "postgres")) {
            c.createStatement().execute("CREATE DATABASE bench_window");
        }
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(2);
        log(
                String.format(
                        "creating a second %s: %,d rows in one daily window ...",
                        Pg.TABLE, windowRows));
        Pg.createSeedTable(
                base, "bench_window", day, 1, windowRows, n -> log(String.format("  %,d rows", n)));
        Params p =
                base.copy()
                        .set("db", "bench_window")
                        .set("data.from", day)
                        .set("data.days", 1)
                        .set("data.rows", windowRows)
                        .set("slot", "bench_window")
                        .set("parallelism", parallelism)
                        .set("checkpoint", checkpoint)
                        .set("warehouse", work.resolve("wh-8/warehouse"))
                        .set("expect.rows", windowRows);
        repeat("8", "backfill", p, windowHeap, timeout(windowRows) * 2);
        dropDatabase("bench_window");
    }

    // --- running ------------------------------------------------------------------------------

    private void repeat(String id, String measurement, Params p, String jvmHeap, long timeoutS)
            throws Exception {
        for (int r = 1; r <= repeat; r++) {
            once(id, r, measurement, p, jvmHeap, timeoutS);
        }
    }

    private void once(String id, int r, String measurement, Params p, String jvmHeap, long timeoutS)
            throws Exception {
        for (Path scratch : scratchOf(p)) {
            deleteTree(scratch);
        }
        List<String> flags = new ArrayList<>(classData(id, p, timeoutS));
        flags.addAll(collector(id));
        flags.addAll(pages(id));
        log(String.format("%s run %d/%d (%s, -Xmx%s) ...", id, r, repeat, measurement, jvmHeap));
        Params result =
                ChildProcess.run(measurement, p, jvmHeap, work.resolve("logs"), timeoutS, flags);
        String db = p.get("db", null);
        if (db != null) {
            List<String> dropped = Pg.dropReplicationLeftovers(base, db);
            if (!dropped.isEmpty()) {
                log("  dropped leftovers: " + dropped);
            }
        }
        long expect = p.getLong("expect.rows", id.equals("7w") ? p.getLong("rows", rows) : rows);
        report.add(id, result, id.equals("7") ? -1 : expect);
        log("  " + report.summary(id, result));
        if (!keep) {
            for (Path scratch : scratchOf(p)) {
                deleteTree(scratch);
            }
        }
    }

    /**
     * The garbage collector flags of a measurement's JVM: the {@code permafrost} launcher starts
     * {@code backfill} with the throughput collector, so 6 and 8 run with it, and so does the
     * pipeline limit (3), so that the baseline is not the one with the slower collector. The others
     * use the JDK's default (G1), as {@code run} and stock Flink do.
     */
    static List<String> collector(String id) {
        return switch (id) {
            case "3", "6", "8" -> List.of(PARALLEL_GC);
            default -> List.of();
        };
    }

    static final String PARALLEL_GC = "-XX:+UseParallelGC";

    /**
     * The heap page flags of a measurement's JVM: where the kernel offers transparent huge pages on
     * request, the {@code permafrost} launcher starts every command with them, so 6-9 run with
     * them, and so do the limits (1-3), so that the baseline is not the one with the slower page
     * faults. 4 (psql and DuckDB, native code) and 5 (stock Flink, as a user runs it) start
     * without.
     */
    static List<String> pages(String id) {
        return switch (id) {
            case "4", "5" -> List.of();
            default -> Machine.transparentHugePages() ? List.of(HUGE_PAGES) : List.of();
        };
    }

    static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";

    /**
     * The class-data archive flags of a measurement's JVM. The {@code permafrost} launcher records
     * the classes of its first Flink job into an archive and maps them at every later start (about
     * 2 s less); Permafrost's measurements (6-9) start the way a user's second command does, with
     * an archive recorded by an untimed backfill of the same table first. The pipeline limit (3)
     * gets an archive of its own, recorded by an untimed run of 3. The others start without one: 1,
     * 2 and 4 load few classes, and 5 is stock Flink as a user runs it.
     */
    private List<String> classData(String id, Params p, long timeoutS) throws Exception {
        String kind =
                switch (id) {
                    case "3" -> "pipeline";
                    case "6", "7", "8", "9" -> "permafrost";
                    default -> null;
                };
        if (!cds || kind == null) {
            return List.of();
        }
        Path archive = work.resolve("cds").resolve(kind + ".jsa");
        List<String> quiet = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        if (!Files.exists(archive) && primed.add(kind)) {
            Files.createDirectories(archive.getParent());
            Params q =
                    kind.equals("pipeline")
                            ? p.copy().set("out.dir", work.resolve("out-cds"))
                            : permafrostParams("bench_cds", "wh-cds");
            log(
                    "recording the class-data archive of "
                            + kind
                            + " with an untimed "
                            + (kind.equals("pipeline") ? "run of 3" : "backfill")
                            + " ...");
            List<String> record = new ArrayList<>(quiet);
            record.add(0, "-XX:ArchiveClassesAtExit=" + archive);
            record.addAll(collector(kind.equals("pipeline") ? "3" : "6"));
            record.addAll(pages(kind.equals("pipeline") ? "3" : "6"));
            Params r =
                    ChildProcess.run(
                            kind.equals("pipeline") ? "pipeline" : "backfill",
                            q,
                            heap,
                            work.resolve("logs"),
                            timeoutS,
                            record);
            Pg.dropReplicationLeftovers(base, "bench");
            for (Path scratch : scratchOf(q)) {
                deleteTree(scratch);
            }
            if (r.has("error") || !Files.exists(archive)) {
                log("  no archive (" + r.get("error", "the JVM wrote none") + "): runs without");
            }
            report.classData(kind, Files.exists(archive));
        }
        if (!Files.exists(archive)) {
            return List.of();
        }
        List<String> use = new ArrayList<>(quiet);
        use.add(0, "-XX:SharedArchiveFile=" + archive);
        return use;
    }

    /** A run's own output: its Parquet directory, or its warehouse's parent (config, warehouse). */
    private static List<Path> scratchOf(Params p) {
        List<Path> l = new ArrayList<>();
        if (p.has("out.dir")) {
            l.add(Path.of(p.get("out.dir")));
        }
        if (p.has("warehouse")) {
            l.add(Path.of(p.get("warehouse")).getParent());
        }
        return l;
    }

    private void dropDatabase(String name) throws Exception {
        Pg.dropReplicationLeftovers(base, name);
        try (Connection c = Pg.connect(base, "postgres")) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** A generous time limit for one run over {@code n} rows. */
    private static long timeout(long n) {
        return Math.max(900, n / 1000);
    }

    static void log(String s) {
        PrintStream err = System.err;
        err.println(
                "[bench "
                        + java.time.LocalTime.now()
                                .format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss"))
                        + "] "
                        + s);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    static Map<String, String> labels() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("1", "source limit: COPY binary -> /dev/null");
        m.put("2a", "sink limit: parquet-java ZSTD, 1 thread");
        m.put("2b", "sink limit: parquet-java ZSTD, 2 threads");
        m.put("3", "pipeline limit: COPY || Parquet, 2 threads");
        m.put("4", "users' script: psql CSV + DuckDB Parquet");
        m.put("5", "stock Flink: CDC snapshot -> Iceberg FlinkSink");
        m.put("6", "Permafrost backfill");
        m.put("7", "Permafrost run: highest sustained insert rate");
        m.put("7w", "WAL decode: pgoutput slot drained");
        m.put("8", "Permafrost backfill, one big window, small heap");
        m.put("9", "Permafrost compaction of closed windows");
        return m;
    }

    static List<String> idsOf(String group) {
        return switch (group) {
            case "2" -> List.of("2a", "2b");
            case "7" -> List.of("7", "7w");
            default -> List.of(group);
        };
    }
}
