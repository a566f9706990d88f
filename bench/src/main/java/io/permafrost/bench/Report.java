package io.permafrost.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects the runs of each measurement and prints the table. */
final class Report {

    long rows;
    int days;
    int repeat;
    String machine;
    String postgres;
    String loadStart;
    String loadEnd;
    long tableBytes;
    long copyBytes;

    private final Map<String, List<Params>> runs = new LinkedHashMap<>();
    private final Map<String, String> problems = new LinkedHashMap<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final Map<String, Boolean> classData = new LinkedHashMap<>();
    private final Map<String, String> alternated = new LinkedHashMap<>();
    boolean noClassData;

    void add(String id, Params result, long expectRows) {
        if (result.has("error")) {
            problems.merge(id, "failed: " + result.get("error"), (a, b) -> a);
            return;
        }
        if (expectRows >= 0 && result.getLong("rows", -1) != expectRows) {
            problems.merge(
                    id,
                    String.format(
                            "WRONG ROW COUNT: %,d rows archived, %,d expected",
                            result.getLong("rows", -1), expectRows),
                    (a, b) -> a);
        }
        runs.computeIfAbsent(id, k -> new ArrayList<>()).add(result);
    }

    /** The runs of {@code id} and {@code baseline} were made in turn, pair by pair. */
    void alternated(String id, String baseline) {
        alternated.put(id, baseline);
    }

    void skipped(String group, String reason) {
        for (String id : Bench.idsOf(group)) {
            skipped.put(id, reason);
        }
    }

    static double rate(String id, Params r) {
        if (id.equals("7")) {
            return r.getDouble("rate", 0);
        }
        return r.getLong("rows", 0) / r.getDouble("seconds", Double.NaN);
    }

    Double medianRate(String id) {
        List<Params> rs = runs.get(id);
        if (rs == null || rs.isEmpty() || problems.containsKey(id)) {
            return null;
        }
        return stats(rs.stream().mapToDouble(r -> rate(id, r)).toArray())[0];
    }

    String summary(String id, Params r) {
        if (r.has("error")) {
            return "failed: " + r.get("error");
        }
        return String.format(
                "%,.0f rows/s%s, peak RSS %,d MB",
                rate(id, r),
                id.equals("7")
                        ? ""
                        : String.format(
                                " (%,d rows in %.1f s)",
                                r.getLong("rows", 0), r.getDouble("seconds", 0)),
                r.getLong("rss_kb", 0) / 1024);
    }

    /** {median, min, max}. */
    static double[] stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new double[] {median, s[0], s[n - 1]};
    }

    private static String num(double v) {
        if (v >= 100) {
            return String.format("%,.0f", v);
        }
        return String.format("%.1f", v);
    }

    private static String withRange(double[] s, int n) {
        return n > 1 ? num(s[0]) + " (" + num(s[1]) + "-" + num(s[2]) + ")" : num(s[0]);
    }

    String render() {
        StringBuilder b = new StringBuilder();
        double bytesPerRow = rows == 0 ? 0 : (double) copyBytes / rows;
        b.append(
                String.format(
                        "Permafrost benchmarks: %,d rows of public.permanent_data_items over %d daily windows,"
                                + " %d run(s) of each measurement, each in a fresh JVM%n",
                        rows, days, repeat));
        b.append("machine:  ").append(machine).append('\n');
        b.append("postgres: ")
                .append(postgres)
                .append(" (embedded, zonky), same machine, over localhost\n");
        b.append(
                String.format(
                        "load:     %s at start, %s at end (1/5/15-min load averages; anything else running on the machine competed for its cores)%n",
                        loadStart, loadEnd));
        b.append(
                String.format(
                        "table:    %,.1f MB on disk with indexes; COPY binary %,.1f MB = %.0f bytes/row: MB/s below is rows/s x %.0f bytes, for every row alike%n%n",
                        tableBytes / 1e6, copyBytes / 1e6, bytesPerRow, bytesPerRow));
        b.setLength(b.length() - 1);
        b.append(
                "gc:       3, 6 and 8 with "
                        + Bench.PARALLEL_GC
                        + " (the launcher starts backfill with it), the others with the JDK's default G1\n");
        b.append(
                Machine.transparentHugePages()
                        ? "pages:    all but 4 and 5 with "
                                + Bench.HUGE_PAGES
                                + " (the launcher starts every command with it where the kernel offers them)\n"
                        : "pages:    4 KiB pages (the kernel offers no transparent huge pages on request)\n");
        String extra = System.getenv("BENCH_CHILD_OPTS");
        if (extra != null && !extra.isBlank()) {
            b.append("extra:    every measuring JVM with ")
                    .append(extra.strip())
                    .append(" (BENCH_CHILD_OPTS, after the options above)\n");
        }
        if (noClassData) {
            b.append("jvm:      every measurement without a class-data archive (--no-cds)\n");
        } else if (!classData.isEmpty()) {
            b.append("jvm:      ");
            classData.forEach(
                    (kind, ok) ->
                            b.append(kind)
                                    .append(
                                            ok
                                                    ? " with a class-data archive recorded by an untimed run first; "
                                                    : " without a class-data archive (recording failed); "));
            b.append("see bench/README.md\n");
        }
        b.append(
                "CPU us/row: CPU time of the timed part, measuring JVM (with the processes it started)"
                        + " plus the PostgreSQL server, per row; cores: that CPU time / wall time\n\n");
        String head =
                String.format(
                        ROW,
                        "#",
                        "measurement",
                        "rows/s median (min-max)",
                        "MB/s",
                        "CPU us/row",
                        "cores",
                        "out MB",
                        "files/window",
                        "peak RSS");
        b.append(head);
        b.append("-".repeat(head.length() - 1)).append('\n');
        Map<String, String> labels = Bench.labels();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String id = e.getKey();
            List<Params> rs = runs.getOrDefault(id, List.of());
            String problem = problems.get(id);
            if (rs.isEmpty()) {
                String why =
                        problem != null
                                ? problem
                                : "not measured: " + skipped.getOrDefault(id, "not run");
                b.append(String.format("%-3s %-47s %s%n", id, e.getValue(), why));
                continue;
            }
            double[] rate = stats(rs.stream().mapToDouble(r -> rate(id, r)).toArray());
            double[] out =
                    stats(rs.stream().mapToDouble(r -> r.getLong("out_bytes", -1) / 1e6).toArray());
            long rss = rs.stream().mapToLong(r -> r.getLong("rss_kb", -1)).max().orElse(-1);
            Params first = rs.get(0);
            String files = "-";
            if (first.has("windows") && first.getLong("windows", 0) > 0) {
                double fpw = (double) first.getLong("files", 0) / first.getLong("windows", 1);
                files =
                        String.format("%.1f", fpw)
                                + (first.has("max_files_per_window")
                                        ? " (max " + first.get("max_files_per_window") + ")"
                                        : "");
            }
            double[] cpu = cpuPerRow(rs);
            b.append(
                    String.format(
                            ROW,
                            id,
                            e.getValue(),
                            withRange(rate, rs.size()),
                            num(rate[0] * bytesPerRow / 1e6),
                            cpu == null ? "-" : num(cpu[0]),
                            cpu == null ? "-" : String.format("%.2f", cpu[1]),
                            out[0] < 0 ? "-" : num(out[0]),
                            files,
                            rss < 0 ? "-" : String.format("%,d MB", rss / 1024)));
            if (problem != null) {
                b.append(String.format("%-3s %-47s %s%n", "", "", "!! " + problem));
            }
            StringBuilder n = new StringBuilder();
            n.append(id).append(": ").append(first.get("notes", ""));
            if (id.equals("7")) {
                for (int i = 0; i < rs.size(); i++) {
                    n.append("\n      run ")
                            .append(i + 1)
                            .append(" ladder: ")
                            .append(rs.get(i).get("ladder", "-"));
                }
                double[] lat =
                        rs.stream()
                                .filter(r -> r.has("latency_s"))
                                .mapToDouble(r -> r.getDouble("latency_s", 0))
                                .toArray();
                if (lat.length > 0) {
                    n.append(
                            String.format(
                                    "%n      window close -> Iceberg snapshot latency: %s s",
                                    withRange(stats(lat), lat.length)));
                }
            }
            String other = alternated.get(id);
            List<Params> base = other == null ? null : runs.get(other);
            if (base != null && base.size() == rs.size()) {
                n.append(
                        String.format(
                                "%n      runs alternated with %s's (%s, %s, %s, ...): %s/%s of each pair",
                                other, other, id, other, id, other));
                for (int i = 0; i < rs.size(); i++) {
                    n.append(i == 0 ? " " : ", ")
                            .append(
                                    String.format(
                                            "%.2f",
                                            rate(id, rs.get(i)) / rate(other, base.get(i))));
                }
            }
            notes.add(n.toString());
        }

        b.append("\nRatios of median rows/s (1.0 = as fast):\n");
        ratio(b, "6", "3", "Permafrost backfill / pipeline limit");
        ratio(b, "6", "4", "Permafrost backfill / users' script");
        ratio(b, "6", "5", "Permafrost backfill / stock Flink");
        ratio(b, "9", "6", "Permafrost compaction / Permafrost backfill");
        ratio(b, "7", "7w", "Permafrost run (sustained) / WAL decode rate");
        List<Params> streams = runs.get("7");
        Double decode = medianRate("7w");
        double[] catchUp =
                streams == null
                        ? new double[0]
                        : streams.stream()
                                .filter(r -> r.has("catchup_rate"))
                                .mapToDouble(r -> r.getDouble("catchup_rate", 0))
                                .toArray();
        b.append(
                String.format(
                        "  %-3s %-46s %s%n",
                        "7c/7w",
                        "Permafrost run catching up / WAL decode rate",
                        catchUp.length == 0 || decode == null
                                ? "n/a (not measured)"
                                : String.format("%.2f", stats(catchUp)[0] / decode)));
        b.append("\nNotes:\n");
        for (String n : notes) {
            b.append("  ").append(n).append('\n');
        }
        return b.toString();
    }

    /** Whether the measurements of {@code kind} start with a class-data archive. */
    void classData(String kind, boolean recorded) {
        classData.put(kind, recorded);
    }

    private static final String ROW = "%-3s %-47s %-26s %7s %10s %5s %7s %-13s %9s%n";

    /** Median {CPU microseconds per row, cores busy} of runs that measured CPU, or null. */
    private static double[] cpuPerRow(List<Params> rs) {
        List<double[]> v = new ArrayList<>();
        for (Params r : rs) {
            double jvm = r.getDouble("cpu_s", -1);
            double pg = r.getDouble("pg_cpu_s", -1);
            long n = r.getLong("rows", 0);
            double s = r.getDouble("seconds", 0);
            if (jvm >= 0 && pg >= 0 && n > 0 && s > 0) {
                v.add(new double[] {(jvm + pg) * 1e6 / n, (jvm + pg) / s});
            }
        }
        if (v.isEmpty()) {
            return null;
        }
        return new double[] {
            stats(v.stream().mapToDouble(x -> x[0]).toArray())[0],
            stats(v.stream().mapToDouble(x -> x[1]).toArray())[0]
        };
    }

    private void ratio(StringBuilder b, String a, String c, String what) {
        Double x = medianRate(a);
        Double y = medianRate(c);
        String v =
                x == null || y == null || y == 0
                        ? "n/a (not measured)"
                        : String.format("%.2f", x / y);
        b.append(String.format("  %-3s %-46s %s%n", a + "/" + c, what, v));
    }
}
