package io.permafrost.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmark ran on. */
final class Machine {

    private Machine() {}

    static String describe() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).strip();
                    break;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return String.format(
                "%s, %d cores, %.1f GiB RAM, %s %s, Java %s (%s)",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memKb / 1024.0 / 1024.0,
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"));
    }

    /**
     * Whether the Linux kernel hands out transparent huge pages to a process that asks for them
     * ({@code madvise} or {@code always} selected in its sysfs setting), as the {@code permafrost}
     * launcher checks before starting the JVM with {@code -XX:+UseTransparentHugePages}.
     */
    static boolean transparentHugePages() {
        try {
            String mode = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return mode.contains("[madvise]") || mode.contains("[always]");
        } catch (Exception e) {
            return false; // not Linux
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The path of an executable on PATH, or null. */
    static String which(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
    static final double TICKS = 100.0;

    /**
     * CPU seconds of a process from {@code /proc/<pid>/stat}: user + system, plus those of its
     * reaped children when {@code children}; -1 when unreadable.
     */
    static double cpuSeconds(long pid, boolean children) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state ppid ... utime=f[11] stime=f[12] cutime=f[13] cstime=f[14]
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (children) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return ticks / TICKS;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * CPU seconds used so far by a PostgreSQL server: the postmaster with the backends it reaped,
     * plus the live processes it started.
     */
    static double postgresCpuSeconds(Path dataDir) {
        try {
            long postmaster =
                    Long.parseLong(
                            Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
            double total = cpuSeconds(postmaster, true);
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        if (Long.parseLong(f[1]) == postmaster) {
                            total += cpuSeconds(Long.parseLong(name), false);
                        }
                    } catch (Exception gone) {
                        // exited meanwhile
                    }
                }
            }
            return total;
        } catch (Exception e) {
            return -1;
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    static long millis(String duration) {
        Matcher m = DURATION.matcher(duration.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + duration + "' is not a duration like 30s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }
}
