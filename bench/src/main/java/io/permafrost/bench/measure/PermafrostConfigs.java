package io.permafrost.bench.measure;

import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the permafrost.yaml a benchmark run uses: a user's config, nothing hidden. */
final class PermafrostConfigs {

    private PermafrostConfigs() {}

    static Path write(Params in, Path dir, String closeAfter, String heartbeat, String checkpoint)
            throws IOException {
        return write(in, dir, closeAfter, heartbeat, checkpoint, "");
    }

    /**
     * @param parquet the {@code parquet:} section's lines, indented by two spaces; "" for none
     */
    static Path write(
            Params in,
            Path dir,
            String closeAfter,
            String heartbeat,
            String checkpoint,
            String parquet)
            throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("permafrost.yaml");
        Files.writeString(
                config,
                "# Written by the benchmark harness (bench/).\n"
                        + "source:\n"
                        + "  host: localhost\n"
                        + "  port: "
                        + in.get("pg.port")
                        + "\n"
                        + "  database: "
                        + in.get("db")
                        + "\n"
                        + "  user: postgres\n"
                        + "  password: postgres\n"
                        + "  slot: "
                        + in.get("slot")
                        + "\n"
                        + (heartbeat == null ? "" : "  heartbeat_interval: " + heartbeat + "\n")
                        + (in.has("stream_reader")
                                ? "  stream_reader: " + in.get("stream_reader") + "\n"
                                : "")
                        + "tables:\n"
                        + "  - name: public."
                        + Pg.TABLE
                        + "\n"
                        + "    window: {column: uploaded_date, granularity: daily}\n"
                        + (closeAfter == null ? "" : "    close_after: " + closeAfter + "\n")
                        + "warehouse: "
                        + Path.of(in.get("warehouse")).toAbsolutePath()
                        + "\n"
                        + "job:\n"
                        + "  name: "
                        + in.get("slot")
                        + "\n"
                        + "  parallelism: "
                        + in.get("parallelism")
                        + "\n"
                        + "  checkpoint_interval: "
                        + checkpoint
                        + "\n"
                        + (parquet.isEmpty() ? "" : "parquet:\n" + parquet));
        return config;
    }

    static String location(Params in) {
        return Path.of(in.get("warehouse")).toAbsolutePath() + "/public/" + Pg.TABLE;
    }
}
