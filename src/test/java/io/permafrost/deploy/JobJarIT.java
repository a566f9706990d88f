package io.permafrost.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.testing.Archive;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.MavenArtifacts;
import io.permafrost.testing.ShadeConfig;
import io.permafrost.testing.TestConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/permafrost-job.jar, the jar for a Flink 1.20 cluster (built at package, before the ITs).
 * Its contents are checked against the jars it was made from, and it runs a backfill the way a
 * cluster runs it: through Flink's own client, on a JVM whose class path holds only what a Flink
 * 1.20.1 distribution provides.
 */
class JobJarIT {

    static final Path JOB_JAR = Path.of(ShadeConfig.read(Path.of("pom.xml")).outputFile());

    static JarFile jar;
    static List<Path> distribution;

    @TempDir static Path work;

    @BeforeAll
    static void open() throws Exception {
        assertThat(JOB_JAR).as("mvn package writes it").exists();
        jar = new JarFile(JOB_JAR.toFile());
        distribution =
                MavenArtifacts.resolveClasspath(
                        Path.of("src/test/resources/flink-distribution/pom.xml"), work);
    }

    @AfterAll
    static void close() throws IOException {
        jar.close();
    }

    @Test
    void hasTheMainClassAndNoneOfFlinksOwnClasses() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                .isEqualTo("io.permafrost.cli.Main");
        assertThat(jar.getEntry("io/permafrost/cli/Main.class")).isNotNull();
        assertThat(jar.getEntry("io/permafrost/job/ArchiveRunner.class")).isNotNull();
        List<String> names = jar.stream().map(JarEntry::getName).toList();
        assertThat(names.stream().filter(n -> n.startsWith("org/apache/flink/runtime/")))
                .as("Flink's runtime comes from the distribution")
                .isEmpty();
        assertThat(
                        names.stream()
                                .filter(
                                        n ->
                                                n.startsWith("org/apache/flink/")
                                                        && n.endsWith(".class"))
                                .filter(n -> !n.startsWith("org/apache/flink/cdc/")))
                .as("the only org.apache.flink classes are Flink CDC's")
                .isEmpty();
        assertThat(names)
                .as(
                        "bundled: Flink CDC, Debezium, Iceberg, Hadoop, JDBC driver, picocli, SnakeYAML")
                .contains(
                        "org/apache/flink/cdc/connectors/postgres/source/PostgresSourceBuilder.class",
                        "io/debezium/connector/postgresql/PostgresConnectorConfig.class",
                        "org/apache/iceberg/flink/FlinkCatalog.class",
                        "org/apache/hadoop/conf/Configuration.class",
                        "org/postgresql/Driver.class",
                        "picocli/CommandLine.class",
                        "org/yaml/snakeyaml/Yaml.class");
        assertThat(names.stream().filter(n -> n.startsWith("org/apache/logging/log4j/")))
                .as("log4j comes from the distribution's lib/")
                .isEmpty();
        assertThat(names.stream().filter(n -> n.startsWith("postgres-linux")))
                .as("no embedded PostgreSQL binaries (only 'demo' needs them)")
                .isEmpty();
    }

    @Test
    void flinkCdcsCopiesOfDebeziumClassesWin() throws IOException {
        List<Path> cdcJars =
                jarsOf(
                        "org.apache.flink:flink-connector-postgres-cdc",
                        "org.apache.flink:flink-connector-debezium");
        assertThat(cdcJars).hasSize(2);
        int compared = 0;
        for (Path cdcJar : cdcJars) {
            try (JarFile cdc = new JarFile(cdcJar.toFile())) {
                for (JarEntry e : cdc.stream().toList()) {
                    if (e.getName().startsWith("io/debezium/") && e.getName().endsWith(".class")) {
                        assertThat(bytes(jar, e.getName()))
                                .as("%s in the job jar is the copy from %s", e.getName(), cdcJar)
                                .isEqualTo(bytes(cdc, e.getName()));
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isGreaterThan(10);
        String connection = "io/debezium/connector/postgresql/connection/PostgresConnection.class";
        try (JarFile debezium =
                new JarFile(jarsOf("io.debezium:debezium-connector-postgres").get(0).toFile())) {
            assertThat(bytes(debezium, connection))
                    .as(
                            "Debezium's own PostgresConnection differs, so the check above means something")
                    .isNotEqualTo(bytes(jar, connection));
        }
    }

    @Test
    void mergesTheServiceFilesOfEveryBundledJar() throws IOException {
        ShadeConfig shade = ShadeConfig.read(Path.of("pom.xml"));
        int providers = 0;
        for (Path dep : runtimeClasspath()) {
            String coordinates = MavenArtifacts.coordinates(dep);
            if (coordinates == null || shade.excludes(coordinates)) {
                continue;
            }
            try (JarFile j = new JarFile(dep.toFile())) {
                for (JarEntry e : j.stream().toList()) {
                    if (!e.getName().startsWith("META-INF/services/") || e.isDirectory()) {
                        continue;
                    }
                    Set<String> merged = lines(jar, e.getName());
                    for (String provider : lines(j, e.getName())) {
                        assertThat(merged)
                                .as("%s of %s", e.getName(), coordinates)
                                .contains(provider);
                        providers++;
                    }
                }
            }
        }
        assertThat(providers).isGreaterThan(20);
        assertThat(lines(jar, "META-INF/services/java.sql.Driver"))
                .contains("org.postgresql.Driver");
    }

    @Test
    void leavesOutOnlyWhatTheFlinkDistributionProvides() {
        ShadeConfig shade = ShadeConfig.read(Path.of("pom.xml"));
        Set<String> provided =
                distribution.stream()
                        .map(MavenArtifacts::coordinates)
                        .collect(Collectors.toCollection(TreeSet::new));
        for (String pattern : shade.excludes()) {
            if (pattern.startsWith("io.zonky.test.postgres:")) {
                continue; // embedded PostgreSQL binaries: only 'permafrost demo' starts one
            }
            if (pattern.startsWith("ch.qos.reload4j:")) {
                continue; // log4j 1: the distribution's log4j-1.2-api answers for it
            }
            if (pattern.equals("org.apache.flink:flink-metrics-prometheus")) {
                continue; // the distribution ships it under plugins/metrics-prometheus
            }
            assertThat(provided.stream().anyMatch(c -> ShadeConfig.matches(pattern, c)))
                    .as(
                            "excluded %s is on a Flink 1.20.1 distribution's class path %s",
                            pattern, provided)
                    .isTrue();
        }
    }

    @Test
    void backfillsThroughFlinksClientWithOnlyTheDistributionBesideIt() throws Exception {
        String db = EmbeddedPostgres.newDatabase("jobjar");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE readings (id bigint PRIMARY KEY, taken_at timestamptz NOT NULL,"
                        + " sensor text, value numeric(12,3), raw bytea, device uuid);"
                        + "ALTER TABLE readings REPLICA IDENTITY FULL;",
                "INSERT INTO readings SELECT g,"
                        + " timestamptz '2024-03-01 00:00:00+00' + g * interval '17 minutes',"
                        + " 'sensor-' || (g % 7), g * 1.125, decode(md5(g::text), 'hex'),"
                        + " md5('device' || (g % 5))::uuid FROM generate_series(1, 400) g");
        Path dir = Files.createDirectories(work.resolve("backfill"));
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: public.readings\n"
                                + "    window: {column: taken_at, granularity: daily}\n"
                                + "    close_after: 1h\n",
                        "");
        Path confDir = Files.createDirectories(work.resolve("flink-conf"));
        Files.writeString(confDir.resolve("config.yaml"), "parallelism.default: 2\n");
        Path log = work.resolve("flink-run.log");

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(
                Arrays.asList(
                        System.getProperty("permafrost.test.jvm.opens", "").trim().split("\\s+")));
        cmd.addAll(List.of("-Xmx1g", "-Duser.timezone=UTC", "-cp"));
        cmd.add(
                distribution.stream()
                        .map(Path::toString)
                        .collect(Collectors.joining(File.pathSeparator)));
        cmd.addAll(
                List.of(
                        "org.apache.flink.client.cli.CliFrontend",
                        "run",
                        "-t",
                        "local",
                        JOB_JAR.toAbsolutePath().toString(),
                        "backfill",
                        "-c",
                        config.toString()));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process flink = pb.start();
        boolean done = flink.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            flink.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(done).as("flink run finished; output:%n%s", output).isTrue();
        assertThat(flink.exitValue()).as("exit code; output:%n%s", output).isZero();
        assertThat(output).contains("windows, 400 rows");

        Set<Long> archived = new LinkedHashSet<>();
        for (Record r : new Archive(dir.resolve("warehouse"), "readings").records()) {
            assertThat(archived.add((Long) r.getField("id"))).isTrue();
        }
        assertThat(archived).hasSize(400);
    }

    private static List<Path> jarsOf(String... coordinates) throws IOException {
        List<String> wanted = List.of(coordinates);
        return runtimeClasspath().stream()
                .filter(p -> wanted.contains(MavenArtifacts.coordinates(p)))
                .toList();
    }

    /** The runtime class path the jar was shaded from (written at package, in Maven's order). */
    private static List<Path> runtimeClasspath() throws IOException {
        return Arrays.stream(
                        Files.readString(Path.of("target/classpath.txt"))
                                .trim()
                                .split(File.pathSeparator))
                .map(Path::of)
                .toList();
    }

    private static byte[] bytes(JarFile j, String name) throws IOException {
        JarEntry e = j.getJarEntry(name);
        assertThat(e).as("%s in %s", name, j.getName()).isNotNull();
        try (InputStream in = j.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static Set<String> lines(JarFile j, String name) throws IOException {
        JarEntry e = j.getJarEntry(name);
        if (e == null) {
            return Set.of();
        }
        try (InputStream in = j.getInputStream(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .map(l -> l.replaceAll("#.*", "").trim())
                    .filter(l -> !l.isEmpty())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }
    }
}
