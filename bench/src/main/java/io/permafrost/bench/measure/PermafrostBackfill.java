package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * 6 and 8. Permafrost's backfill of the table, exactly as a user runs it: {@code permafrost
 * backfill -c permafrost.yaml --fresh} (the CLI's own entry point, in this JVM), then {@code
 * permafrost teardown} (not timed). Rows, files and bytes are read back from the Iceberg table.
 */
public final class PermafrostBackfill implements Child.Measure {

    @Override
    public Params run(Params in) throws Exception {
        Path dir = Path.of(in.get("warehouse")).getParent();
        String checkpoint = in.get("checkpoint");
        Path config = PermafrostConfigs.write(in, dir, null, null, checkpoint);

        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        Child.Cpu cpu = Child.Cpu.start(in);
        long t0 = System.nanoTime();
        int rc = cli.execute("backfill", "-c", config.toString(), "--fresh");
        double seconds = (System.nanoTime() - t0) / 1e9;
        Params result = cpu.stop(new Params());
        System.err.println(out);
        if (rc != 0) {
            throw new IllegalStateException("permafrost backfill exited with " + rc);
        }
        CommandLine teardown = Main.commandLine();
        teardown.setOut(new PrintWriter(new StringWriter()));
        int trc = teardown.execute("teardown", "-c", config.toString());

        IcebergStats stats = IcebergStats.of(PermafrostConfigs.location(in));
        return stats.into(result)
                .set("seconds", seconds)
                .set(
                        "notes",
                        String.format(
                                "permafrost backfill, parallelism %s, checkpoint_interval %s, other settings default (chunk_size 50000, row group 16 MB, page_row_limit 2000, ZSTD)%s",
                                in.get("parallelism"),
                                checkpoint,
                                trc == 0 ? "" : "; teardown exited with " + trc));
    }
}
