package io.permafrost.bench;

import io.permafrost.bench.measure.PermafrostBackfill;
import io.permafrost.bench.measure.PermafrostCompaction;
import io.permafrost.bench.measure.PermafrostStream;
import io.permafrost.bench.measure.PipelineLimit;
import io.permafrost.bench.measure.SinkLimit;
import io.permafrost.bench.measure.SourceLimit;
import io.permafrost.bench.measure.StockFlink;
import io.permafrost.bench.measure.UsersScript;
import io.permafrost.bench.measure.WalDecode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The main class of one measurement's JVM: {@code Child <measurement> <params> <result>}. Reads its
 * parameters, measures, and writes the result (with its own peak RSS, VmHWM) as properties.
 */
public final class Child {

    /** One measurement run inside a child JVM. */
    public interface Measure {
        Params run(Params in) throws Exception;
    }

    private Child() {}

    /**
     * CPU seconds of the timed part of a measurement: this JVM's (with the processes it started and
     * reaped, such as psql) and the PostgreSQL server's (all its processes).
     */
    public static final class Cpu {
        private final Path pgData;
        private final double jvm0;
        private final double pg0;

        private Cpu(Params in) {
            String dir = in.get("pg.datadir", null);
            this.pgData = dir == null ? null : Path.of(dir);
            this.jvm0 = Machine.cpuSeconds(ProcessHandle.current().pid(), true);
            this.pg0 = pgData == null ? -1 : Machine.postgresCpuSeconds(pgData);
        }

        public static Cpu start(Params in) {
            return new Cpu(in);
        }

        /** Records {@code cpu_s} and {@code pg_cpu_s} since {@link #start}. */
        public Params stop(Params out) {
            double jvm1 = Machine.cpuSeconds(ProcessHandle.current().pid(), true);
            double pg1 = pgData == null ? -1 : Machine.postgresCpuSeconds(pgData);
            if (jvm0 >= 0 && jvm1 >= 0) {
                out.set("cpu_s", jvm1 - jvm0);
            }
            if (pg0 >= 0 && pg1 >= 0) {
                out.set("pg_cpu_s", pg1 - pg0);
            }
            return out;
        }
    }

    public static void main(String[] args) throws Exception {
        String what = args[0];
        Params in = Params.read(Path.of(args[1]));
        Path resultFile = Path.of(args[2]);
        Measure m =
                switch (what) {
                    case "source" -> new SourceLimit();
                    case "sink" -> new SinkLimit();
                    case "pipeline" -> new PipelineLimit();
                    case "users" -> new UsersScript();
                    case "stock" -> new StockFlink();
                    case "backfill" -> new PermafrostBackfill();
                    case "compaction" -> new PermafrostCompaction();
                    case "stream" -> new PermafrostStream();
                    case "waldecode" -> new WalDecode();
                    default -> throw new IllegalArgumentException("unknown measurement " + what);
                };
        Params out;
        int code = 0;
        try {
            out = m.run(in);
        } catch (Throwable t) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            System.err.println(sw);
            out = new Params().set("error", rootMessage(t));
            code = 1;
        }
        out.set("rss_kb", vmHwmKb(ProcessHandle.current().pid()));
        out.write(resultFile);
        System.out.flush();
        System.err.flush();
        // Flink and DuckDB may leave threads or shutdown hooks behind: the result is written, so
        // leave, through the shutdown hooks (a profiler's dump) but at most 30 s later.
        int exit = code;
        Thread watchdog =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(30_000);
                            } catch (InterruptedException e) {
                                // exiting anyway
                            }
                            Runtime.getRuntime().halt(exit);
                        });
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(code);
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String msg = r.getClass().getSimpleName() + ": " + r.getMessage();
        return msg.replaceAll("\\s+", " ");
    }

    /** VmHWM (peak resident set) of a process in kB, or -1 when it cannot be read. */
    public static long vmHwmKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // process gone, or not Linux
        }
        return -1;
    }
}
