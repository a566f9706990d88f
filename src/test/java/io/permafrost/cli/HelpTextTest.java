package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help reads as written: no picocli variable left unresolved or eaten. */
class HelpTextTest {

    @Test
    void everyCommandsHelpShowsItsTextAsWritten() {
        CommandLine root = Main.commandLine();
        assertThat(root.getSubcommands()).isNotEmpty();
        for (CommandLine sub : root.getSubcommands().values()) {
            String help = sub.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
            assertThat(help)
                    .as("permafrost %s --help", sub.getCommandName())
                    .doesNotContain(" null and ", "(default: null)");
            if (help.contains("The YAML configuration")) {
                assertThat(help)
                        .as("permafrost %s --help", sub.getCommandName())
                        .contains("${VAR} and ${VAR:=default} are expanded from the environment");
            }
        }
    }
}
