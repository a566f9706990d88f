package io.permafrost.cli;

import io.permafrost.job.ArchiveRunner;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Continuous archival: a consistent snapshot of every configured table, then its changes",
            "from the WAL (logical replication, pgoutput), forever. A window is committed to Iceberg",
            "once the database's commit clock passes its end plus close_after. Resumes from the",
            "newest retained checkpoint of the same job unless --fresh is given."
        })
final class RunCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Option(
            names = "--fresh",
            description =
                    "Ignore retained checkpoints and start with a new snapshot (windows already"
                            + " committed are kept); also how a run moves to another"
                            + " source.stream_reader.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        ArchiveRunner runner =
                new ArchiveRunner(config.load(), new ArchiveRunner.Options(false, null, fresh));
        JobClient job = runner.start();
        System.err.println(
                "permafrost: archiving "
                        + runner.plan().tables().size()
                        + " table(s) as Flink job "
                        + job.getJobID()
                        + "; checkpoints in "
                        + runner.checkpointDir());
        job.getJobExecutionResult().get();
        return ExitCodes.OK;
    }
}
