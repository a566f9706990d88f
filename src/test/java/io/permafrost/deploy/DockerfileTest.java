package io.permafrost.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.testing.ShadeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile builds on the Flink version the project is built against, enables the S3 plugin,
 * and copies files the build makes or the repository has, all let through by .dockerignore.
 */
class DockerfileTest {

    static final List<String> LINES = instructions(Path.of("Dockerfile"));

    @Test
    void buildsOnTheFlinkImageOfTheProjectsFlinkAndJava() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<flink.version>1.20.1</flink.version>");
        assertThat(pom).contains("<maven.compiler.release>17</maven.compiler.release>");
        assertThat(LINES.get(0)).isEqualTo("FROM flink:1.20.1-java17");
    }

    @Test
    void enablesTheS3FilesystemPlugin() {
        assertThat(LINES)
                .contains(
                        "RUN mkdir -p /opt/flink/plugins/s3-fs-hadoop && cp"
                                + " /opt/flink/opt/flink-s3-fs-hadoop-*.jar"
                                + " /opt/flink/plugins/s3-fs-hadoop/");
    }

    @Test
    void copiesTheJobJarAndFlinksConfiguration() throws Exception {
        Map<String, String> copies = copies();
        String jobJar = ShadeConfig.read(Path.of("pom.xml")).outputFile();
        assertThat(copies)
                .containsExactly(
                        Map.entry(jobJar, "/opt/flink/usrlib/permafrost.jar"),
                        Map.entry("flink-conf/config.yaml", "/opt/flink/conf/config.yaml"));
        assertThat(Path.of("flink-conf/config.yaml")).exists();

        List<String> ignore = Files.readAllLines(Path.of(".dockerignore"));
        assertThat(ignore).contains("*");
        for (String source : copies.keySet()) {
            assertThat(ignore).as(".dockerignore lets %s through", source).contains("!" + source);
        }
    }

    private static Map<String, String> copies() {
        Map<String, String> copies = new LinkedHashMap<>();
        for (String l : LINES) {
            if (l.startsWith("COPY ")) {
                String[] words = l.split("\\s+");
                copies.put(words[words.length - 2], words[words.length - 1]);
            }
        }
        return copies;
    }

    /** Instructions without comments, continuation lines joined. */
    static List<String> instructions(Path dockerfile) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        try {
            for (String line : Files.readAllLines(dockerfile)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                if (l.endsWith("\\")) {
                    current.append(l, 0, l.length() - 1).append(' ');
                    continue;
                }
                current.append(l);
                out.add(current.toString().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
