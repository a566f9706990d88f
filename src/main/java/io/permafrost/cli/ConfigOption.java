package io.permafrost.cli;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code -c FILE} option shared by the commands that read a configuration. */
final class ConfigOption {

    @Option(
            names = {"-c", "--config"},
            required = true,
            paramLabel = "FILE",
            description =
                    "The YAML configuration (see README.md). ${VAR} and ${VAR:=default} are expanded from the environment.")
    Path file;

    PermafrostConfig load() {
        return ConfigLoader.load(file);
    }
}
