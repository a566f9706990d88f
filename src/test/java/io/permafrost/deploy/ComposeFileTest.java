package io.permafrost.deploy;

import static io.permafrost.testing.YamlFile.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.cli.Main;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.EnvExpander;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.testing.YamlFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docker-compose.yml, the laptop cluster: its services, images, mounted files and ports exist in
 * the repository, agree with each other and with README.md, and the Permafrost config it mounts
 * loads with the environment the compose file gives the jobmanager.
 */
class ComposeFileTest {

    static final Map<String, Object> COMPOSE = YamlFile.single(Path.of("docker-compose.yml"));

    @Test
    void hasPostgresAnS3StoreAndAFlinkApplicationCluster() {
        assertThat(services().keySet())
                .containsExactlyInAnyOrder(
                        "postgres", "minio", "minio-init", "jobmanager", "taskmanager");
        assertThat((String) at(service("postgres"), "image")).startsWith("postgres:");
        assertThat(List.of(((String) at(service("postgres"), "command")).split("\\s+")))
                .containsSubsequence("postgres", "-c", "wal_level=logical")
                .containsSubsequence("-c", "max_replication_slots=10")
                .containsSubsequence("-c", "max_wal_senders=10");
        assertThat((String) at(service("minio"), "image")).startsWith("minio/minio");
        assertThat((String) at(service("minio-init"), "image")).startsWith("minio/mc");
        for (String flink : List.of("jobmanager", "taskmanager")) {
            assertThat((String) at(service(flink), "build")).isEqualTo(".");
            assertThat(Path.of("Dockerfile")).exists();
            assertThat((String) at(service(flink), "image")).isEqualTo("permafrost:0.1.0");
        }
        assertThat((String) at(service("taskmanager"), "command")).isEqualTo("taskmanager");
        assertThat((Map<String, Object>) at(service("jobmanager"), "depends_on"))
                .containsEntry("postgres", Map.of("condition", "service_healthy"))
                .containsEntry("minio-init", Map.of("condition", "service_completed_successfully"));
    }

    @Test
    void initScriptsAreMountedFromTheRepository() throws Exception {
        Map<String, String> mounts = mounts("postgres");
        Path initdb = Path.of(mounts.get("/docker-entrypoint-initdb.d"));
        try (Stream<Path> files = Files.list(initdb)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("01-iceberg-catalog.sql", "02-permanent-data-items.sql");
        }
    }

    @Test
    void jobmanagerRunsPermafrostInApplicationModeWithAConfigThatLoads() throws Exception {
        List<String> command =
                List.of(((String) at(service("jobmanager"), "command")).trim().split("\\s+"));
        assertThat(command.subList(0, 3))
                .containsExactly("standalone-job", "--job-classname", "io.permafrost.cli.Main");
        assertThat(Class.forName(command.get(2))).isEqualTo(Main.class);
        String[] args = command.subList(3, command.size()).toArray(String[]::new);
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args);
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");
        String configInContainer = parsed.subcommand().matchedOptionValue("-c", null).toString();

        Path configFile = Path.of(mounts("jobmanager").get(configInContainer));
        assertThat(configFile).startsWith(Path.of("deploy/compose")).exists();
        PermafrostConfig config =
                new ConfigLoader(EnvExpander.of(environment("jobmanager")))
                        .parse(Files.readString(configFile), configFile.getParent());

        Map<String, String> postgres = environment("postgres");
        assertThat(config.source().host()).isEqualTo("postgres");
        assertThat(config.source().port()).isEqualTo(5432);
        assertThat(config.source().database()).isEqualTo(postgres.get("POSTGRES_DB"));
        assertThat(config.source().password()).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        assertThat(config.tables())
                .extracting(t -> t.id().toString())
                .containsExactly("public.permanent_data_items");

        String bucket = bucketCreatedByMinioInit();
        assertThat(config.warehouse()).startsWith("s3://" + bucket + "/");
        assertThat(config.job().checkpointDir()).startsWith("s3://" + bucket + "/");
        assertThat(config.job().stateBackend()).isEqualTo("rocksdb");

        assertThat(config.catalog().type()).isEqualTo("jdbc");
        assertThat(config.catalog().properties())
                .containsEntry("uri", "jdbc:postgresql://postgres:5432/iceberg")
                .containsEntry("jdbc.password", postgres.get("POSTGRES_PASSWORD"))
                .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
                .containsEntry("s3.endpoint", flinkProperties("jobmanager").get("s3.endpoint"));
        assertThat(Files.readString(Path.of("deploy/compose/initdb/01-iceberg-catalog.sql")))
                .contains("CREATE DATABASE iceberg;");
    }

    @Test
    void flinkProcessesReachTheStoreWithTheCredentialsMinioWasGiven() {
        Map<String, String> minio = environment("minio");
        for (String flink : List.of("jobmanager", "taskmanager")) {
            Map<String, String> env = environment(flink);
            assertThat(env.get("AWS_ACCESS_KEY_ID")).isEqualTo(minio.get("MINIO_ROOT_USER"));
            assertThat(env.get("AWS_SECRET_ACCESS_KEY"))
                    .isEqualTo(minio.get("MINIO_ROOT_PASSWORD"));
            assertThat(flinkProperties(flink))
                    .containsEntry("jobmanager.rpc.address", "jobmanager")
                    .containsEntry("s3.endpoint", "http://minio:9000")
                    .containsEntry("s3.path.style.access", "true");
        }
        String init = String.join(" ", (List<String>) at(service("minio-init"), "command"));
        assertThat(init)
                .contains(
                        "http://minio:9000 "
                                + minio.get("MINIO_ROOT_USER")
                                + " "
                                + minio.get("MINIO_ROOT_PASSWORD"));
    }

    @Test
    void readmeNamesEveryPublishedPortAndNoOther() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## A laptop cluster");
        assertThat(start).as("README.md has a section '## A laptop cluster'").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);

        Set<String> published = new TreeSet<>();
        for (String name : services().keySet()) {
            List<String> ports = (List<String>) at(service(name), "ports");
            if (ports != null) {
                ports.forEach(p -> published.add(p.split(":")[0]));
                assertThat(section).contains("`" + name + "`");
            }
        }
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("localhost:(\\d+)").matcher(section);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).isEqualTo(published);
        assertThat(section).contains("docker compose up --build", "mvn -B package -DskipTests");
    }

    private static Map<String, Object> services() {
        return at(COMPOSE, "services");
    }

    private static Map<String, Object> service(String name) {
        Map<String, Object> s = at(COMPOSE, "services", name);
        assertThat(s).as("service %s", name).isNotNull();
        return s;
    }

    private static Map<String, String> environment(String name) {
        Map<String, Object> env = at(service(name), "environment");
        Map<String, String> out = new LinkedHashMap<>();
        if (env != null) {
            env.forEach((k, v) -> out.put(k, String.valueOf(v)));
        }
        return out;
    }

    /** FLINK_PROPERTIES as the Flink image's entrypoint reads it: key: value lines. */
    private static Map<String, String> flinkProperties(String name) {
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : ((String) environment(name).get("FLINK_PROPERTIES")).split("\n")) {
            String l = line.replaceAll("\\s", "");
            if (!l.isEmpty()) {
                int colon = l.indexOf(':');
                props.put(l.substring(0, colon), l.substring(colon + 1));
            }
        }
        return props;
    }

    /** Container path → repository path of a service's bind mounts (each must exist). */
    private static Map<String, String> mounts(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : (List<String>) at(service(name), "volumes")) {
            List<String> parts = new ArrayList<>(Arrays.asList(v.split(":")));
            if (!parts.get(0).startsWith("./")) {
                assertThat((Map<String, Object>) at(COMPOSE, "volumes"))
                        .as("named volume %s", v)
                        .containsKey(parts.get(0));
                continue;
            }
            Path source = Path.of(parts.get(0).substring(2));
            assertThat(source).as("mounted %s", v).exists();
            out.put(parts.get(1), source.toString());
        }
        return out;
    }

    private static String bucketCreatedByMinioInit() {
        String init = String.join(" ", (List<String>) at(service("minio-init"), "command"));
        Matcher m = Pattern.compile("mc mb --ignore-existing local/([a-z0-9.-]+)").matcher(init);
        assertThat(m.find()).as("minio-init creates a bucket: %s", init).isTrue();
        return m.group(1);
    }
}
