package io.permafrost.testing;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.DataFileRef;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.sink.ParquetWriterFactory;
import java.util.UUID;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Committed Parquet files of a window, written by the archive's own writer as FileSink would, for a
 * table {@code (id bigint, at timestamptz)}.
 */
public final class WindowFiles {

    private WindowFiles() {}

    /** A file of window {@code w} with ids {@code firstId .. firstId + rows - 1}. */
    public static DataFileRef write(
            ArchiveTable archive,
            PermafrostConfig.Parquet parquet,
            Window w,
            long firstId,
            int rows)
            throws Exception {
        Path path =
                new Path(
                        archive.dataLocation()
                                + "/"
                                + w.path()
                                + "/part-"
                                + UUID.randomUUID()
                                + ".parquet");
        FileSystem fs = path.getFileSystem();
        try (FSDataOutputStream out = fs.create(path, FileSystem.WriteMode.NO_OVERWRITE)) {
            BulkWriter<RowData> writer =
                    new ParquetWriterFactory(archive.schema(), archive.rowType(), parquet)
                            .create(out);
            for (int i = 0; i < rows; i++) {
                GenericRowData row = new GenericRowData(archive.arity());
                row.setField(0, firstId + i);
                TimestampData at = TimestampData.fromEpochMillis(w.start() / 1000 + i * 1000L);
                row.setField(1, at);
                row.setField(archive.opIndex(), StringData.fromString("r"));
                row.setField(archive.lsnIndex(), 0L);
                row.setField(archive.commitTsIndex(), at);
                writer.addElement(row);
            }
            writer.finish();
        }
        return new DataFileRef(w.path(), path.toString(), fs.getFileStatus(path).getLen(), 1);
    }
}
