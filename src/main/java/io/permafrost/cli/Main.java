package io.permafrost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code permafrost} command line. */
@Command(
        name = "permafrost",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Archives PostgreSQL tables into Parquet and Apache Iceberg, continuously, with proof.",
            "",
            "Start with 'permafrost demo' (no set-up), then write a config (see README.md) and use",
            "'backfill' for history and 'run' for continuous archival. Operate the archive with",
            "'status', 'list', 'fetch' and 'validate'."
        },
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 bad usage or configuration."},
        subcommands = {
            RunCommand.class,
            BackfillCommand.class,
            DemoCommand.class,
            TeardownCommand.class,
            VerifyCommand.class,
            DeleteCommand.class,
            ReplayCommand.class,
            StatusCommand.class,
            ListCommand.class,
            FetchCommand.class,
            ValidateCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (ProgramExit.insideFlink()) {
            ProgramExit.endInsideFlink(code);
            return;
        }
        System.exit(code);
    }

    /** The configured command line, also used by tests to run commands as a user types them. */
    public static CommandLine commandLine() {
        ExpectedCheckpointDeclines.install();
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(ErrorHandler::onParameterError);
        // the descriptions are written in lines of up to 100 characters; picocli's 80 would
        // break each of them in two
        cl.setUsageHelpWidth(100);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"permafrost " + (v == null ? "dev" : v)};
        }
    }
}
