package io.permafrost.bench.measure;

import io.permafrost.bench.Params;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;

/** Rows, data files, bytes and files per partition of an Iceberg table's current snapshot. */
public record IcebergStats(long rows, long files, long bytes, int partitions, int maxFiles) {

    public static IcebergStats of(String location) throws IOException {
        Table t = new HadoopTables(new org.apache.hadoop.conf.Configuration()).load(location);
        if (t.currentSnapshot() == null) {
            return new IcebergStats(0, 0, 0, 0, 0);
        }
        long rows = 0;
        long files = 0;
        long bytes = 0;
        Map<String, Integer> perPartition = new HashMap<>();
        try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
            for (FileScanTask task : tasks) {
                DataFile f = task.file();
                rows += f.recordCount();
                files++;
                bytes += f.fileSizeInBytes();
                perPartition.merge(String.valueOf(f.partition()), 1, Integer::sum);
            }
        }
        int max = perPartition.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return new IcebergStats(rows, files, bytes, perPartition.size(), max);
    }

    public Params into(Params p) {
        return p.set("rows", rows)
                .set("files", files)
                .set("out_bytes", bytes)
                .set("windows", partitions)
                .set("max_files_per_window", maxFiles);
    }
}
