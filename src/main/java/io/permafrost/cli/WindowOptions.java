package io.permafrost.cli;

import io.permafrost.verify.WindowFilter;
import picocli.CommandLine.Option;

/** {@code --table --from --to}, shared by the commands that select windows. */
final class WindowOptions {

    @Option(
            names = {"-t", "--table"},
            paramLabel = "T",
            description = "Only this table (schema.table or table).")
    String table;

    @Option(
            names = "--from",
            paramLabel = "W",
            description =
                    "Windows starting at or after W: a window path (year=2024/month=01/day=15), a date or timestamp (UTC), or an integer for range windows.")
    String from;

    @Option(
            names = "--to",
            paramLabel = "W",
            description = "Windows starting before W (same forms as --from).")
    String to;

    WindowFilter filter() {
        return new WindowFilter(table, from, to);
    }
}
