package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.model.Window;
import io.permafrost.replay.WindowReplacer;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.testing.DailyEvents;
import io.permafrost.testing.WindowFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.parquet.ParquetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reconciliation at start against a real Iceberg table on the local disk. */
class ReconcilerIT {

    @TempDir Path dir;

    /**
     * Iceberg keeps the locations of files Permafrost names itself as {@code file:///...} and the
     * file system lists them as {@code file:/...}: the same file, which must not be appended again.
     */
    @Test
    void aReplayedWindowsFilesAreKnownWhateverTheFormOfTheirLocation() throws Exception {
        DailyEvents events = new DailyEvents(dir, "reconciler");
        PermafrostConfig config = events.config;
        ArchiveTable archive = events.archive;
        Table table = events.table;
        Window w = events.day(0);
        new WindowCommitter(table, archive, "test")
                .commitAll(
                        Map.of(w, List.of(WindowFiles.write(archive, config.parquet(), w, 0, 5))),
                        1);
        DataFileRef replayed = WindowFiles.write(archive, config.parquet(), w, 0, 7);
        String location = replayed.path().replaceFirst("^file:/+", "file:///");
        assertThat(location).isNotEqualTo(replayed.path());
        DataFile file =
                DataFiles.builder(table.spec())
                        .withPath(location)
                        .withFormat(FileFormat.PARQUET)
                        .withFileSizeInBytes(replayed.size())
                        .withMetrics(
                                ParquetUtil.fileMetrics(
                                        table.io().newInputFile(location),
                                        org.apache.iceberg.MetricsConfig.forTable(table)))
                        .withPartition(WindowCommitter.partitionOf(table, archive, w))
                        .build();
        new WindowReplacer(archive, table, new ManifestStore(config.warehouse()))
                .replace(w, List.of(file), -1, null);
        table.refresh();
        long replay = table.currentSnapshot().snapshotId();

        assertThat(
                        new Reconciler(table, archive)
                                .commitMissing(x -> true, Reconciler.AT_START, null))
                .isEmpty();

        table.refresh();
        assertThat(table.currentSnapshot().snapshotId()).isEqualTo(replay);
        assertThat(table.currentSnapshot().summary().get("total-records")).isEqualTo("7");
    }
}
