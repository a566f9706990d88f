package io.permafrost.cli;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.ArchivePlan;
import io.permafrost.manifest.WindowState;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.verify.VerifyJob;
import io.permafrost.verify.VerifyTask;
import io.permafrost.verify.WindowVerifier;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Proves archived windows complete: for every committed window not yet verified for its",
            "newest Iceberg snapshots, reads the window back from the archive (its newest version",
            "per key) and from PostgreSQL, and compares row count, window and key bounds and an",
            "order-independent fingerprint. Writes _manifests/{table}/{window}.json as VERIFIED or",
            "FAILED (with the reason and example keys). Runs as a Flink job, parallel across windows.",
            "Exit code 1 when any window failed."
        })
final class VerifyCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Mixin WindowOptions windows;

    @Option(names = "--follow", description = "Keep running: verify windows as they are committed.")
    boolean follow;

    @Option(
            names = "--force",
            description =
                    "Verify FAILED and already VERIFIED windows again (e.g. after suspected tampering). Deleted windows are never re-verified.")
    boolean force;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.load();
        List<ArchiveTable> tables = ArchivePlan.existingArchive(cfg);
        if (follow) {
            System.err.println(
                    "permafrost: verifying windows as they are committed (Ctrl-C to stop)");
            VerifyJob.follow(cfg, tables, windows.filter());
            return ExitCodes.OK;
        }
        List<VerifyTask> tasks = VerifyJob.tasks(cfg, tables, windows.filter(), force);
        System.err.println("permafrost: checking " + tasks.size() + " committed window(s)");
        List<WindowVerifier.Outcome> outcomes = VerifyJob.runBounded(cfg, tables, tasks);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-28s %-34s %-9s %10s  %s%n", "TABLE", "WINDOW", "STATE", "ROWS", "NOTE");
        long failed = 0;
        for (WindowVerifier.Outcome o :
                outcomes.stream()
                        .sorted(
                                java.util.Comparator.comparing(WindowVerifier.Outcome::table)
                                        .thenComparing(WindowVerifier.Outcome::window))
                        .toList()) {
            out.printf(
                    "%-28s %-34s %-9s %10d  %s%n",
                    o.table(), o.window(), o.state(), o.rows(), o.note());
            if (o.state() == WindowState.FAILED) {
                failed++;
            }
        }
        out.printf("%d window(s): %d failed%n", outcomes.size(), failed);
        out.flush();
        return failed > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }
}
