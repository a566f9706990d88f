package io.permafrost.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a Permafrost YAML config for a test database, as a user would. */
public final class TestConfig {

    private TestConfig() {}

    /**
     * @param tablesYaml the {@code tables:} list items, already indented by two spaces
     */
    public static Path write(Path dir, String database, String tablesYaml, String extra) {
        return write(dir, database, tablesYaml, extra, "");
    }

    /**
     * @param sourceExtra more {@code source:} settings, each line indented by two spaces
     */
    public static Path write(
            Path dir, String database, String tablesYaml, String extra, String sourceExtra) {
        String yaml =
                "source:\n"
                        + "  host: localhost\n"
                        + "  port: "
                        + EmbeddedPostgres.port()
                        + "\n"
                        + "  database: "
                        + database
                        + "\n"
                        + "  user: postgres\n"
                        + "  password: postgres\n"
                        + "  slot: "
                        + database
                        + "\n"
                        + "  heartbeat_interval: 1s\n"
                        + "  chunk_size: 500\n"
                        + sourceExtra
                        + "tables:\n"
                        + tablesYaml
                        + "warehouse: "
                        + dir.resolve("warehouse")
                        + "\n"
                        + "job:\n"
                        + "  parallelism: 2\n"
                        + "  checkpoint_interval: 2s\n"
                        + "  state_backend: hashmap\n"
                        + extra;
        Path file = dir.resolve("permafrost.yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
