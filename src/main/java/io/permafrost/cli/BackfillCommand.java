package io.permafrost.cli;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.ArchiveReport;
import io.permafrost.job.ArchiveRunner;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "backfill",
        mixinStandardHelpOptions = true,
        description = {
            "Bounded archival of history: one consistent snapshot of every configured table, written",
            "as Parquet per window; every window that ends before --until is committed to Iceberg,",
            "one snapshot per window, and the command exits. Range windows (block heights) are",
            "committed up to the highest value in the table minus close_after."
        })
final class BackfillCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Option(
            names = "--until",
            paramLabel = "T",
            description =
                    "Commit time windows that end at or before T (UTC; 2024-01-31 or 2024-01-31T12:00:00). Default: now minus close_after.")
    String until;

    @Option(
            names = "--fresh",
            description = "Ignore the checkpoints of an interrupted backfill and start over.")
    boolean fresh;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.load();
        ArchiveRunner runner =
                new ArchiveRunner(cfg, new ArchiveRunner.Options(true, parseUntil(until), fresh));
        JobClient job = runner.start();
        System.err.println(
                "permafrost: backfilling "
                        + runner.plan().tables().size()
                        + " table(s) as Flink job "
                        + job.getJobID());
        job.getJobExecutionResult().get();
        runner.finishBounded();
        PrintWriter out = spec.commandLine().getOut();
        ArchiveReport.print(
                ArchiveReport.read(runner.plan().catalog(), runner.plan().tables()), out);
        return ExitCodes.OK;
    }

    static Long parseUntil(String text) {
        if (text == null) {
            return null;
        }
        try {
            Instant i =
                    text.length() <= 10
                            ? LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC)
                            : text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")
                                    ? Instant.from(
                                            java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME
                                                    .parse(text))
                                    : LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        } catch (DateTimeParseException e) {
            throw new ConfigException(
                    "option '--until': '"
                            + text
                            + "' is not a date or timestamp. Fix: write e.g. 2024-01-31 or "
                            + "2024-01-31T12:00:00 (UTC)");
        }
    }
}
