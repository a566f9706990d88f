package io.permafrost.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs the permafrost CLI in a JVM of its own, so a test can kill it like a crash would. */
public final class CliProcess {

    private CliProcess() {}

    public static Process start(Path log, String... args) throws IOException {
        return start(log, Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with extra environment variables for the child. */
    public static Process start(Path log, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opens = System.getProperty("permafrost.test.jvm.opens", "");
        if (!opens.isBlank()) {
            cmd.addAll(Arrays.asList(opens.trim().split("\\s+")));
        }
        cmd.add("-Xmx1g");
        cmd.add("-Duser.timezone=UTC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.permafrost.cli.Main");
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }
}
