package io.permafrost.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one measurement in a fresh JVM (same classpath, same {@code --add-opens} flags as this one,
 * its own heap size) and collects its result. Peak RSS is the larger of the child's own VmHWM at
 * its end and what this process sampled from {@code /proc/<pid>/status} while it ran.
 */
public final class ChildProcess {

    private ChildProcess() {}

    public static Params run(
            String measurement, Params params, String heap, Path workDir, long timeoutSeconds)
            throws IOException, InterruptedException {
        return run(measurement, params, heap, workDir, timeoutSeconds, List.of());
    }

    /**
     * @param jvmFlags more flags of the child JVM (the class-data archive's)
     */
    public static Params run(
            String measurement,
            Params params,
            String heap,
            Path workDir,
            long timeoutSeconds,
            List<String> jvmFlags)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path in = Files.createTempFile(workDir, measurement + "-", ".params");
        Path out = Path.of(in.toString().replace(".params", ".result"));
        Path log = Path.of(in.toString().replace(".params", ".log"));
        params.write(in);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Duser.timezone")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx" + heap);
        cmd.addAll(jvmFlags);
        String extra = System.getenv("BENCH_CHILD_OPTS"); // e.g. a profiler; see README
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.strip().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.add(measurement);
        cmd.add(in.toString());
        cmd.add(out.toString());
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long peak = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, Child.vmHwmKb(p.pid()));
            if (System.nanoTime() > deadline) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Params()
                        .set(
                                "error",
                                "timed out after " + timeoutSeconds + " s (log: " + log + ")");
            }
        }
        if (!Files.exists(out)) {
            return new Params()
                    .set(
                            "error",
                            "the JVM exited with code "
                                    + p.exitValue()
                                    + " and no result: "
                                    + lastLine(log)
                                    + " (log: "
                                    + log
                                    + ")");
        }
        Params r = Params.read(out);
        long own = r.getLong("rss_kb", -1);
        r.set("rss_kb", Math.max(own, peak));
        r.set("log", log);
        return r;
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (!l.isEmpty() && !l.startsWith("at ")) {
                return l;
            }
        }
        return "(empty log)";
    }
}
