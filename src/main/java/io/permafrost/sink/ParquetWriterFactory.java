package io.permafrost.sink;

import io.permafrost.config.PermafrostConfig;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.flink.data.FlinkParquetWriters;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;

/**
 * Writes archived rows as Parquet with Iceberg's own Parquet writer, inside Flink's FileSink: the
 * files carry Iceberg field ids and exactly the Iceberg types (uuid, timestamptz, decimal, lists),
 * so Iceberg, Trino, Spark and DuckDB read them without a name mapping.
 */
public final class ParquetWriterFactory implements BulkWriter.Factory<RowData> {

    private static final long serialVersionUID = 1L;

    private final Schema schema;
    private final RowType rowType;
    private final Map<String, String> properties;

    public ParquetWriterFactory(Schema schema, RowType rowType, PermafrostConfig.Parquet parquet) {
        this.schema = schema;
        this.rowType = rowType;
        this.properties =
                Map.of(
                        TableProperties.PARQUET_COMPRESSION,
                        parquet.compression().equals("none")
                                ? "uncompressed"
                                : parquet.compression(),
                        TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES,
                        Long.toString(parquet.rowGroupSize()),
                        TableProperties.PARQUET_PAGE_ROW_LIMIT,
                        Integer.toString(parquet.pageRowLimit()));
    }

    @Override
    public BulkWriter<RowData> create(FSDataOutputStream out) throws IOException {
        FileAppender<RowData> appender =
                Parquet.write(new StreamOutputFile(out))
                        .schema(schema)
                        .createWriterFunc(msg -> FlinkParquetWriters.buildWriter(rowType, msg))
                        .setAll(properties)
                        .overwrite()
                        .build();
        return new BulkWriter<>() {
            @Override
            public void addElement(RowData row) {
                appender.add(row);
            }

            @Override
            public void flush() {
                // Row groups are flushed by size; the file is completed in finish().
            }

            @Override
            public void finish() throws IOException {
                appender.close();
            }
        };
    }
}
