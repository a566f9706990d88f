package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.cli.Main;
import io.permafrost.compact.WindowCompactor;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.job.ArchivePlan;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.verify.ArchiveCatalogView;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine;

/**
 * 9. Compaction of closed windows, as {@code run} does it when a window closes: the table is first
 * archived by a backfill into small files (not timed: {@code target_file_size} 1 MB, as a window of
 * many checkpoints would hold them), then every window is compacted with the default settings
 * (files under 96 MB rewritten into files of at most 128 MB, small ones deleted), one window after
 * another as the compaction thread does. Rows/s is rows rewritten per second of compaction.
 */
public final class PermafrostCompaction implements Child.Measure {

    @Override
    public Params run(Params in) throws Exception {
        Path dir = Path.of(in.get("warehouse")).getParent();
        // About ten files per window (Parquet holds ~80 bytes per row of this table).
        long windowBytes = in.getLong("data.rows", 0) / in.getLong("data.days", 1) * 80;
        long targetKb = Math.max(64, windowBytes / 10 / 1024);
        Path small =
                PermafrostConfigs.write(
                        in,
                        dir.resolve("small"),
                        null,
                        null,
                        in.get("checkpoint"),
                        "  target_file_size: "
                                + targetKb
                                + "kb\n  row_group_size: "
                                + Math.max(16, targetKb / 4)
                                + "kb\n");
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        if (cli.execute("backfill", "-c", small.toString(), "--fresh") != 0) {
            throw new IllegalStateException("the backfill into small files failed");
        }
        IcebergStats before = IcebergStats.of(PermafrostConfigs.location(in));

        // The same table with the default parquet settings: what run compacts with.
        PermafrostConfig config =
                ConfigLoader.load(
                        PermafrostConfigs.write(
                                in, dir.resolve("default"), null, null, in.get("checkpoint")));
        ArchivePlan plan = ArchivePlan.prepare(config);
        ArchiveTable archive = plan.groups().get(0).tables().get(0);
        Catalog catalog = plan.catalog().open();
        Table table = catalog.loadTable(ArchiveTables.identifier(archive.id()));
        WindowCompactor compactor =
                new WindowCompactor(
                        table, archive, config.parquet(), new ManifestStore(config.warehouse()));

        Child.Cpu cpu = Child.Cpu.start(in);
        long t0 = System.nanoTime();
        long rows = 0;
        int windows = 0;
        Set<String> all = ArchiveCatalogView.windows(archive, table).keySet();
        for (String path : all) {
            Window w = archive.window().parsePath(path);
            Optional<WindowCompactor.Result> r = compactor.compact(w);
            if (r.isPresent()) {
                rows += r.get().rows();
                windows++;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (windows < all.size()) {
            // Rows/s would then be of some windows only: refuse rather than print a wrong count.
            throw new IllegalStateException(
                    String.format(
                            "only %d of %d windows had enough small files to compact (%d files written"
                                    + " with target_file_size %d kB; compaction needs %d per window): the table"
                                    + " is too small for 9, use --rows 1000000 or more",
                            windows,
                            all.size(),
                            before.files(),
                            targetKb,
                            config.parquet().compactionMinFiles()));
        }
        Params result = cpu.stop(new Params());
        IcebergStats after = IcebergStats.of(PermafrostConfigs.location(in));
        if (after.rows() != before.rows()) {
            throw new IllegalStateException(
                    "compaction changed the row count: " + before.rows() + " -> " + after.rows());
        }
        CommandLine teardown = Main.commandLine();
        teardown.setOut(new PrintWriter(new StringWriter()));
        teardown.execute("teardown", "-c", small.toString());
        return after.into(result)
                .set("rows", rows)
                .set("seconds", seconds)
                .set(
                        "notes",
                        String.format(
                                "%d windows compacted one after another: %d files (%.0f MB,"
                                        + " written with target_file_size %d kB) into %d (%.0f MB),"
                                        + " same %d rows; the backfill into small files is not"
                                        + " timed",
                                windows,
                                before.files(),
                                before.bytes() / 1e6,
                                targetKb,
                                after.files(),
                                after.bytes() / 1e6,
                                after.rows()));
    }
}
