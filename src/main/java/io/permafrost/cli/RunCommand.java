package io.permafrost.cli;

import io.permafrost.job.ContinuousRun;
import java.util.concurrent.Callable;
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
            "newest retained checkpoint of the same job unless --fresh is given. A column added to",
            "an archived table is added to its archive: the job is planned again and resumed."
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
        ContinuousRun run =
                new ContinuousRun(
                        config.load(),
                        fresh,
                        runner ->
                                System.err.println(
                                        "permafrost: archiving "
                                                + runner.plan().tables().size()
                                                + " table(s) as Flink job "
                                                + runner.jobId()
                                                + "; checkpoints in "
                                                + runner.checkpointDir()));
        run.run();
        return ExitCodes.OK;
    }
}
