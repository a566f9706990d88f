package io.permafrost.cli;

import io.permafrost.config.ConfigException;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.storage.Listing;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;
import org.apache.flink.core.plugin.PluginUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Checks Parquet files byte for byte: each file (or every *.parquet below a directory or",
            "s3:// prefix) must open, pass its page checksums, decode every page, yield exactly the",
            "row counts its footer states, and hold only values within its column statistics",
            "(min, max, null count). With -c, a file that a window manifest lists must also have the",
            "size and row count the manifest recorded. Writes PASS|path and FAIL|path|reason lines to",
            "the results file, progress to stderr. Exit code 0 all passed, 1 any failed, 2 bad usage."
        })
final class ValidateCommand implements Callable<Integer> {

    @Parameters(
            arity = "1..*",
            paramLabel = "PATH|PREFIX",
            description =
                    "Parquet files, directories (searched recursively for *.parquet, skipping hidden"
                            + " .* and _* names such as in-progress files), or URIs such as s3://bucket/prefix/"
                            + " (read through Flink's file systems: set FLINK_PLUGINS_DIR and FLINK_CONF_DIR"
                            + " for the S3 plugin and its credentials).")
    List<String> targets;

    @Option(
            names = "--parallel",
            paramLabel = "N",
            defaultValue = "1",
            description = "Files checked at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
            names = "--results",
            paramLabel = "FILE",
            defaultValue = "validate-results.txt",
            description =
                    "Where the PASS/FAIL lines go (default: ${DEFAULT-VALUE} in the current directory).")
    java.nio.file.Path results;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description =
                    "A Permafrost config: files listed in its window manifests must match the manifests' size and row count.")
    java.nio.file.Path configFile;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (parallel < 1) {
            throw new ConfigException(
                    "option '--parallel': "
                            + parallel
                            + " is not a number of threads. Fix: give 1 or more");
        }
        PrintWriter err = spec.commandLine().getErr();
        Map<String, ParquetCheck.Expected> expected = new HashMap<>();
        if (configFile != null) {
            PermafrostConfig cfg = ConfigLoader.load(configFile);
            for (WindowManifest m : new ManifestStore(cfg.warehouse()).list(null)) {
                if (m.files() != null) {
                    for (WindowManifest.FileEntry f : m.files()) {
                        expected.putIfAbsent(
                                key(new Path(f.path())),
                                new ParquetCheck.Expected(m.table(), m.window(), f));
                    }
                }
            }
        }
        if (targets.stream().anyMatch(t -> !isLocal(t))) {
            initFileSystems();
        }
        Set<Path> files = new LinkedHashSet<>();
        for (String t : targets) {
            files.addAll(expand(t));
        }
        java.nio.file.Path resultsFile = results.toAbsolutePath();
        BufferedWriter lines;
        try {
            lines = Files.newBufferedWriter(resultsFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(
                    "option '--results': cannot write "
                            + resultsFile
                            + " ("
                            + ErrorHandler.rootMessage(e)
                            + "). Fix: give a writable file");
        }
        err.printf(
                "permafrost: validating %d file(s) with %d thread(s)%s; results in %s%n",
                files.size(),
                parallel,
                configFile == null ? "" : " against " + expected.size() + " manifest file entries",
                resultsFile);
        err.flush();

        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong rows = new AtomicLong();
        List<String> failures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Path p : files) {
                futures.add(
                        pool.submit(
                                () -> {
                                    long started = System.nanoTime();
                                    ParquetCheck.Result r =
                                            ParquetCheck.check(p, expected.get(key(p)));
                                    long ms = (System.nanoTime() - started) / 1_000_000;
                                    String shown = show(p);
                                    String reason =
                                            r.ok()
                                                    ? null
                                                    : r.reason()
                                                            .replace('\n', ' ')
                                                            .replace('\r', ' ');
                                    synchronized (this) {
                                        int n = done.incrementAndGet();
                                        rows.addAndGet(r.rows());
                                        try {
                                            lines.write(
                                                    r.ok()
                                                            ? "PASS|" + shown
                                                            : "FAIL|" + shown + "|" + reason);
                                            lines.newLine();
                                            lines.flush();
                                        } catch (IOException e) {
                                            throw new java.io.UncheckedIOException(e);
                                        }
                                        if (r.ok()) {
                                            err.printf(
                                                    "[%d/%d] PASS %s (%s rows, %d ms)%n",
                                                    n,
                                                    files.size(),
                                                    shown,
                                                    Human.count(r.rows()),
                                                    ms);
                                        } else {
                                            failed.incrementAndGet();
                                            failures.add(shown + ": " + reason);
                                            err.printf(
                                                    "[%d/%d] FAIL %s: %s%n",
                                                    n, files.size(), shown, reason);
                                        }
                                        err.flush();
                                    }
                                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            lines.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String f : failures) {
            out.println("FAIL " + f);
        }
        out.printf(
                "%d file(s): %d passed, %d failed (%s rows read). Results: %s%n",
                files.size(),
                files.size() - failed.get(),
                failed.get(),
                Human.count(rows.get()),
                resultsFile);
        out.flush();
        return failed.get() > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    private static boolean isLocal(String target) {
        return !target.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") || target.startsWith("file:");
    }

    private static Path toPath(String target) {
        return isLocal(target) && !target.startsWith("file:")
                ? new Path(java.nio.file.Path.of(target).toAbsolutePath().normalize().toUri())
                : new Path(target);
    }

    /** The files a target names: itself, or the non-hidden *.parquet files below it. */
    private static List<Path> expand(String target) throws IOException {
        Path p = toPath(target);
        FileSystem fs;
        try {
            fs = p.getFileSystem();
        } catch (UnsupportedFileSystemSchemeException e) {
            throw new ConfigException(
                    "'"
                            + target
                            + "': no file system for scheme '"
                            + p.toUri().getScheme()
                            + "' ("
                            + e.getMessage()
                            + "). Fix: for s3:// put Flink's flink-s3-fs-hadoop (or -presto) jar in"
                            + " $FLINK_PLUGINS_DIR/s3-fs-hadoop/ and its s3.* settings in"
                            + " $FLINK_CONF_DIR/config.yaml");
        }
        if (!fs.exists(p)) {
            throw new ConfigException(
                    "'"
                            + target
                            + "' does not exist. Fix: give a Parquet file, a directory or a prefix that exists");
        }
        FileStatus status = fs.getFileStatus(p);
        if (!status.isDir()) {
            return List.of(p);
        }
        List<Path> out = new ArrayList<>();
        collect(fs, p, out);
        if (out.isEmpty()) {
            throw new ConfigException(
                    "'"
                            + target
                            + "' holds no *.parquet files. Fix: give the directory or prefix the archive's data is in");
        }
        out.sort(java.util.Comparator.comparing(Path::toString));
        return out;
    }

    private static void collect(FileSystem fs, Path dir, List<Path> out) throws IOException {
        for (FileStatus c : Listing.children(fs, dir)) {
            String name = c.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (c.isDir()) {
                collect(fs, c.getPath(), out);
            } else if (name.toLowerCase(Locale.ROOT).endsWith(".parquet")) {
                out.add(c.getPath());
            }
        }
    }

    /** Loads Flink's file system plugins (e.g. S3) the way Flink's own entry points do. */
    private static void initFileSystems() {
        String confDir = System.getenv("FLINK_CONF_DIR");
        Configuration conf =
                confDir == null
                        ? new Configuration()
                        : GlobalConfiguration.loadConfiguration(confDir);
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
    }

    /** A path as the results file shows it: local files as plain paths. */
    private static String show(Path p) {
        URI u = p.toUri();
        return u.getScheme() == null || u.getScheme().equals("file") ? u.getPath() : p.toString();
    }

    /** Compares locations across spellings: file:/x, file:///x and /x; s3a:// and s3://. */
    static String key(Path p) {
        URI u = p.toUri();
        String scheme = u.getScheme() == null ? "file" : u.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            return "file:" + java.nio.file.Path.of(u.getPath()).normalize();
        }
        if (scheme.equals("s3a") || scheme.equals("s3n")) {
            scheme = "s3";
        }
        return scheme + "://" + u.getAuthority() + u.getPath();
    }
}
