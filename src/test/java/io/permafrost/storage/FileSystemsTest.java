package io.permafrost.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.config.ConfigException;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.EnvExpander;
import io.permafrost.config.PermafrostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemsTest {

    @TempDir Path dir;

    private PermafrostConfig config(String extra) {
        return new ConfigLoader(EnvExpander.of(Map.of()))
                .parse(
                        """
                        source: {host: db, database: app, user: archiver}
                        tables:
                          - name: public.events
                            window: {column: created_at, granularity: daily}
                        """
                                + extra,
                        dir);
    }

    @Test
    void anS3WarehouseWithoutTheS3PluginNamesTheEnvironmentVariableAndTheFix() throws Exception {
        PermafrostConfig c =
                config(
                        """
                        warehouse: s3://bucket/wh
                        catalog: {type: jdbc, uri: 'jdbc:postgresql://db/iceberg'}
                        """);
        Path plugins = Files.createDirectories(dir.resolve("plugins"));

        assertThatThrownBy(() -> FileSystems.initialize(c, plugins, "FLINK_PLUGINS_DIR=" + plugins))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "config 'warehouse': s3://bucket/wh is on S3, but no Flink file system"
                                + " plugin for 's3://' was found in FLINK_PLUGINS_DIR="
                                + plugins)
                .hasMessageContaining("Fix: run 'mvn package'")
                .hasMessageContaining("set FLINK_PLUGINS_DIR to a directory holding");
    }

    @Test
    void aLocalWarehouseNeedsNoPlugin() {
        PermafrostConfig c = config("warehouse: " + dir.resolve("wh") + "\n");

        assertThatCode(() -> FileSystems.initialize(c, dir.resolve("no-such-dir"), "test"))
                .doesNotThrowAnyException();
    }

    @Test
    void onlyS3LocationsAreChecked() {
        PermafrostConfig c =
                config(
                        "warehouse: "
                                + dir.resolve("wh")
                                + "\njob: {checkpoint_dir: 's3a://bucket/ckpt'}\n");

        assertThat(FileSystems.s3Locations(c))
                .containsExactly(Map.entry("job.checkpoint_dir", "s3a://bucket/ckpt"));
    }

    @Test
    void theS3SettingsBecomeFlinkKeys() {
        PermafrostConfig c =
                config(
                        """
                        storage:
                          s3: {endpoint: 'http://127.0.0.1:9000', path_style_access: true, access_key: a, secret_key: b}
                        """);

        assertThat(FileSystems.flinkConfiguration(c.storage()).toMap())
                .containsEntry("s3.endpoint", "http://127.0.0.1:9000")
                .containsEntry("s3.path.style.access", "true")
                .containsEntry("s3.access-key", "a")
                .containsEntry("s3.secret-key", "b")
                .containsEntry("s3.endpoint.region", "us-east-1")
                .containsEntry("s3.directory.marker.retention", "keep");
    }
}
