package io.permafrost.deploy;

import static io.permafrost.testing.YamlFile.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.permafrost.cli.Main;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.EnvExpander;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.testing.YamlFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * k8s/: every manifest parses; the FlinkDeployment reads into the Flink Kubernetes operator's own
 * model and says what the docs say; the ConfigMap's permafrost.yaml loads with the environment the
 * Secret and the pod template give it, and agrees with the FlinkDeployment.
 */
class K8sManifestsTest {

    static final List<Map<String, Object>> DOCS = manifests();

    @Test
    void everyManifestIsAKubernetesObject() {
        for (Map<String, Object> doc : DOCS) {
            assertThat(doc).containsKeys("apiVersion", "kind");
            assertThat((String) at(doc, "metadata", "name")).isNotBlank();
        }
        assertThat(DOCS.stream().map(d -> (String) d.get("kind")))
                .containsExactlyInAnyOrder(
                        "ServiceAccount",
                        "Role",
                        "RoleBinding",
                        "Secret",
                        "ConfigMap",
                        "FlinkDeployment");
    }

    @Test
    void flinkDeploymentReadsIntoTheOperatorsModel() throws Exception {
        FlinkDeployment fd = flinkDeployment();
        assertThat(fd.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(fd.getSpec().getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        JobSpec job = fd.getSpec().getJob();
        assertThat(job.getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(job.getState()).isEqualTo(JobState.RUNNING);
        assertThat(job.getJarURI()).isEqualTo("local:///opt/flink/usrlib/permafrost.jar");
        assertThat(job.getEntryClass()).isEqualTo("io.permafrost.cli.Main");
        assertThat(Class.forName(job.getEntryClass())).isEqualTo(Main.class);
        assertThat(job.getArgs()).containsExactly("run", "-c", "/config/permafrost.yaml");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(job.getArgs());
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("run");

        Configuration conf = Configuration.fromMap(fd.getSpec().getFlinkConfiguration());
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED)).isFalse();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(HighAvailabilityOptions.HA_MODE)).isEqualTo("kubernetes");
        assertThat(conf.get(HighAvailabilityOptions.HA_STORAGE_PATH)).startsWith("s3://");
        assertThat(conf.getString("s3.endpoint", null)).startsWith("http");
        Configuration image =
                GlobalConfiguration.loadConfiguration(
                        Path.of("flink-conf").toAbsolutePath().toString());
        assertThat(conf.get(CoreOptions.FLINK_JVM_OPTIONS))
                .as("the same JVM options as the image's config.yaml")
                .isEqualTo(image.get(CoreOptions.FLINK_JVM_OPTIONS));
        assertThat(conf.getString("kubernetes.operator.job.drain-on-savepoint-deletion", null))
                .as("stop with savepoint, never drain (FLINK-38614)")
                .isEqualTo("false");
    }

    @Test
    void flinkDeploymentHasNoFieldTheOperatorWouldIgnore() {
        Map<String, Object> raw = rawFlinkDeployment();
        ObjectMapper json = mapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
        Map<String, Object> model = json.convertValue(flinkDeployment(), Map.class);
        for (String part : List.of("spec", "spec.job", "spec.jobManager", "spec.taskManager")) {
            Map<String, Object> written = at(raw, part.split("\\."));
            Map<String, Object> read = at(model, part.split("\\."));
            assertThat(read).as(part).containsKeys(written.keySet().toArray(String[]::new));
        }
        Map<String, Object> flinkConfiguration = at(raw, "spec", "flinkConfiguration");
        flinkConfiguration.forEach(
                (k, v) ->
                        assertThat(v)
                                .as("flinkConfiguration %s is a string (older operator CRDs)", k)
                                .isInstanceOf(String.class));
    }

    @Test
    void configMapHoldsAPermafrostConfigThatLoadsAndAgreesWithTheDeployment() throws Exception {
        FlinkDeployment fd = flinkDeployment();
        Map<String, Object> container = mainContainer();
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> ref : (List<Map<String, Object>>) container.get("envFrom")) {
            Map<String, Object> secret = object("Secret", at(ref, "secretRef", "name"));
            ((Map<String, Object>) secret.get("stringData"))
                    .forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
            env.put((String) e.get("name"), String.valueOf(e.get("value")));
        }

        Path configPath = Path.of(fd.getSpec().getJob().getArgs()[2]);
        Map<String, Object> mount =
                ((List<Map<String, Object>>) container.get("volumeMounts"))
                        .stream()
                                .filter(m -> configPath.startsWith((String) m.get("mountPath")))
                                .findFirst()
                                .orElseThrow();
        Map<String, Object> volume =
                ((List<Map<String, Object>>)
                                at(rawFlinkDeployment(), "spec", "podTemplate", "spec", "volumes"))
                        .stream()
                                .filter(v -> v.get("name").equals(mount.get("name")))
                                .findFirst()
                                .orElseThrow();
        Map<String, Object> configMap = object("ConfigMap", at(volume, "configMap", "name"));
        String yaml =
                at(
                        configMap,
                        "data",
                        Path.of((String) mount.get("mountPath")).relativize(configPath).toString());
        assertThat(yaml).as("%s is a key of the mounted ConfigMap", configPath).isNotNull();

        PermafrostConfig config = new ConfigLoader(EnvExpander.of(env)).parse(yaml, Path.of("/"));
        assertThat(config.source().password()).isEqualTo(env.get("PGPASSWORD"));

        Configuration conf = Configuration.fromMap(fd.getSpec().getFlinkConfiguration());
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .as("the job's own checkpoint directory: <job.checkpoint_dir>/<job.name>-run")
                .isEqualTo(config.job().checkpointDir() + "/" + config.job().name() + "-run");
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND))
                .isEqualTo(config.job().stateBackend());
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(config.job().checkpointInterval());
        assertThat(fd.getSpec().getJob().getParallelism()).isEqualTo(config.job().parallelism());
        assertThat(config.warehouse()).startsWith("s3://");
        assertThat(config.catalog().properties())
                .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
                .containsEntry("s3.endpoint", conf.getString("s3.endpoint", null))
                .containsEntry(
                        "s3.path-style-access", conf.getString("s3.path.style.access", null));
        assertThat(config.job().checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void jobManagerRunsAsTheBoundServiceAccount() {
        String account = flinkDeployment().getSpec().getServiceAccount();
        assertThat(object("ServiceAccount", account)).isNotNull();
        Map<String, Object> binding = object("RoleBinding", account);
        assertThat(((List<Map<String, Object>>) binding.get("subjects")))
                .anySatisfy(
                        s ->
                                assertThat(s)
                                        .containsEntry("kind", "ServiceAccount")
                                        .containsEntry("name", account));
        Map<String, Object> role = object("Role", at(binding, "roleRef", "name"));
        assertThat(role.toString()).contains("pods", "configmaps", "deployments");
    }

    @Test
    void jarUriPointsWhereTheDockerfilePutsTheJar() throws Exception {
        String jarUri = flinkDeployment().getSpec().getJob().getJarURI();
        assertThat(Files.readAllLines(Path.of("Dockerfile")))
                .anySatisfy(
                        l ->
                                assertThat(l)
                                        .startsWith("COPY ")
                                        .endsWith(" " + jarUri.substring("local://".length())));
    }

    static FlinkDeployment flinkDeployment() {
        return mapper().convertValue(rawFlinkDeployment(), FlinkDeployment.class);
    }

    static ObjectMapper mapper() {
        return new ObjectMapper();
    }

    static Map<String, Object> rawFlinkDeployment() {
        return object("FlinkDeployment", "permafrost");
    }

    static Map<String, Object> mainContainer() {
        List<Map<String, Object>> containers =
                at(rawFlinkDeployment(), "spec", "podTemplate", "spec", "containers");
        return containers.stream()
                .filter(c -> "flink-main-container".equals(c.get("name")))
                .findFirst()
                .orElseThrow();
    }

    static Map<String, Object> object(String kind, String name) {
        return DOCS.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("k8s/ has no " + kind + " " + name));
    }

    static List<Map<String, Object>> manifests() {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(YamlFile.documents(f));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return docs;
    }
}
