package io.permafrost.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Jars of the local Maven repository, named by {@code groupId:artifactId}. */
public final class MavenArtifacts {

    private MavenArtifacts() {}

    public static Path localRepository() {
        String repo = System.getProperty("permafrost.test.localRepository");
        return Path.of(
                        repo != null && !repo.isBlank()
                                ? repo
                                : System.getProperty("user.home") + "/.m2/repository")
                .toAbsolutePath()
                .normalize();
    }

    /** {@code groupId:artifactId} of a jar in the local repository, or null for any other file. */
    public static String coordinates(Path jar) {
        Path p = jar.toAbsolutePath().normalize();
        Path repo = localRepository();
        if (!p.startsWith(repo) || !p.toString().endsWith(".jar")) {
            return null;
        }
        Path rel = repo.relativize(p); // group/path/artifactId/version/artifactId-version.jar
        int n = rel.getNameCount();
        if (n < 4) {
            return null;
        }
        String group = rel.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
        return group + ":" + rel.getName(n - 3);
    }

    /** Resolves a pom's dependencies with Maven ({@code dependency:build-classpath}). */
    public static List<Path> resolveClasspath(Path pom, Path workDir)
            throws IOException, InterruptedException {
        Path out = workDir.resolve("classpath.txt");
        Path log = workDir.resolve("mvn.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("permafrost.test.maven", "mvn"));
        cmd.addAll(List.of("-B", "-q", "-f", pom.toString()));
        cmd.add("-Dmaven.repo.local=" + localRepository());
        cmd.addAll(List.of("dependency:build-classpath", "-Dmdep.outputFile=" + out));
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    "cannot resolve "
                            + pom
                            + ": "
                            + String.join(" ", cmd)
                            + "\n"
                            + Files.readString(log));
        }
        return Arrays.stream(Files.readString(out).trim().split(File.pathSeparator))
                .map(Path::of)
                .toList();
    }
}
