package io.permafrost.cli;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.storage.FileSystems;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code -c FILE} option shared by the commands that read a configuration. */
final class ConfigOption {

    @Option(
            names = {"-c", "--config"},
            required = true,
            paramLabel = "FILE",
            description =
                    "The YAML configuration (see README.md). $${VAR} and $${VAR:=default} are expanded from the environment.")
    Path file;

    /** The configuration, with Flink's file systems (plugins, storage.s3) set up for it. */
    PermafrostConfig load() {
        PermafrostConfig config = ConfigLoader.load(file);
        FileSystems.initialize(config);
        return config;
    }

    /** The configuration alone, for commands that never touch the warehouse. */
    PermafrostConfig loadWithoutStorage() {
        return ConfigLoader.load(file);
    }
}
