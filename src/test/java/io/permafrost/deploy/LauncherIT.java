package io.permafrost.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code permafrost} launcher's choice of JVM flags, read from its dry run (it prints the Java
 * command instead of running it). Runs after package, so the launcher finds its jar built.
 */
class LauncherIT {

    @Test
    void backfillRunsWithTheThroughputCollectorAndOtherCommandsWithTheDefault() throws Exception {
        assertThat(javaCommand(Map.of(), "backfill", "-c", "permafrost.yaml"))
                .contains("-XX:+UseParallelGC", "-Xmx2g", "io.permafrost.cli.Main", "backfill");
        assertThat(javaCommand(Map.of(), "--help")).doesNotContain("-XX:+UseParallelGC");
        for (String command : List.of("run", "verify", "replay", "demo")) {
            assertThat(javaCommand(Map.of(), command, "-c", "permafrost.yaml"))
                    .as(command)
                    .contains(command)
                    .doesNotContain("-XX:+UseParallelGC");
        }
    }

    @Test
    void aCollectorInTheUsersJavaOptionsWins() throws Exception {
        List<String> cmd =
                javaCommand(
                        Map.of("PERMAFROST_JAVA_OPTS", "-Xmx3g -XX:+UseSerialGC"),
                        "backfill",
                        "-c",
                        "permafrost.yaml");
        assertThat(cmd).contains("-Xmx3g", "-XX:+UseSerialGC").doesNotContain("-XX:+UseParallelGC");
        assertThat(cmd).doesNotContain("-Xmx2g");
    }

    @Test
    void everyCommandAsksForTransparentHugePagesWhereTheKernelOffersThem() throws Exception {
        boolean offered = kernelOffersTransparentHugePages();
        for (String command : List.of("backfill", "run", "verify", "replay", "demo")) {
            List<String> cmd = javaCommand(Map.of(), command, "-c", "permafrost.yaml");
            if (offered) {
                assertThat(cmd).as(command).contains("-XX:+UseTransparentHugePages");
            } else {
                assertThat(cmd).as(command).noneMatch(w -> w.contains("TransparentHugePages"));
            }
        }
    }

    @Test
    void aHugePagesOptionInTheUsersJavaOptionsWins() throws Exception {
        List<String> cmd =
                javaCommand(
                        Map.of("PERMAFROST_JAVA_OPTS", "-Xmx2g -XX:-UseTransparentHugePages"),
                        "backfill",
                        "-c",
                        "permafrost.yaml");
        assertThat(cmd)
                .contains("-XX:-UseTransparentHugePages")
                .doesNotContain("-XX:+UseTransparentHugePages");
    }

    /** What the launcher reads: Linux's transparent huge page mode, "madvise" or "always". */
    private static boolean kernelOffersTransparentHugePages() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.isReadable(mode)) {
            return false;
        }
        String selected = Files.readString(mode);
        return selected.contains("[madvise]") || selected.contains("[always]");
    }

    @Test
    void helpNeverRecordsTheClassDataArchiveAndAJobCommandRecordsOrUsesIt() throws Exception {
        Map<String, String> cds = Map.of("PERMAFROST_CDS", "on");
        for (String[] help :
                List.of(new String[] {"backfill", "--help"}, new String[] {"run", "-h"})) {
            assertThat(javaCommand(cds, help))
                    .noneMatch(w -> w.startsWith("-XX:ArchiveClassesAtExit"));
        }
        assertThat(javaCommand(cds, "backfill", "-c", "permafrost.yaml"))
                .anyMatch(
                        w ->
                                w.startsWith("-XX:ArchiveClassesAtExit")
                                        || w.startsWith("-XX:SharedArchiveFile"));
    }

    /** The words of the Java command the launcher would run. */
    private static List<String> javaCommand(Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "permafrost"));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PERMAFROST_DRY_RUN", "1");
        pb.environment()
                .put("PERMAFROST_CDS", "off"); // unless asked: a dry run may delete a stale one
        pb.environment().remove("PERMAFROST_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String[] lines = out.strip().split("\n");
        return Arrays.asList(lines[lines.length - 1].split(" "));
    }
}
