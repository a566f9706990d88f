package io.permafrost.sink;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.schema.ColumnMapping;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.flink.data.FlinkParquetWriters;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;

/**
 * Writes archived rows as Parquet with Iceberg's own Parquet writer, inside Flink's FileSink: the
 * files carry Iceberg field ids and exactly the Iceberg types (uuid, timestamptz, decimal, lists),
 * so Iceberg, Trino, Spark and DuckDB read them without a name mapping.
 */
public final class ParquetWriterFactory implements BulkWriter.Factory<RowData> {

    private static final long serialVersionUID = 1L;

    private final Schema schema;
    private final RowType rowType;
    private final List<ColumnMapping> columns;
    private final Map<String, String> properties;

    /** Writes every row with Iceberg's writer, as {@link #appender} does. */
    public ParquetWriterFactory(Schema schema, RowType rowType, PermafrostConfig.Parquet parquet) {
        this.schema = schema;
        this.rowType = rowType;
        this.columns = null;
        this.properties = properties(parquet);
    }

    /**
     * @param columns the archived table's source columns: snapshot rows read with binary COPY are
     *     written straight from their tuples ({@link CopyRowWriter})
     */
    public ParquetWriterFactory(
            Schema schema,
            RowType rowType,
            List<ColumnMapping> columns,
            PermafrostConfig.Parquet parquet) {
        this.schema = schema;
        this.rowType = rowType;
        this.columns = List.copyOf(columns);
        this.properties = properties(parquet);
    }

    /** Iceberg writer properties of the {@code parquet} settings. */
    static Map<String, String> properties(PermafrostConfig.Parquet parquet) {
        return Map.of(
                TableProperties.PARQUET_COMPRESSION,
                parquet.compression().equals("none") ? "uncompressed" : parquet.compression(),
                TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES,
                Long.toString(parquet.rowGroupSize()),
                TableProperties.PARQUET_PAGE_ROW_LIMIT,
                Integer.toString(parquet.pageRowLimit()));
    }

    /**
     * A writer of archived rows to {@code out}, exactly as FileSink's files are written (compaction
     * writes its files with it too).
     */
    public static FileAppender<RowData> appender(
            OutputFile out, Schema schema, RowType rowType, PermafrostConfig.Parquet parquet)
            throws IOException {
        return appender(out, schema, rowType, properties(parquet));
    }

    private static FileAppender<RowData> appender(
            OutputFile out, Schema schema, RowType rowType, Map<String, String> properties)
            throws IOException {
        return Parquet.write(out)
                .schema(schema)
                .createWriterFunc(msg -> flinkWriter(schema, rowType, msg))
                .setAll(properties)
                .overwrite()
                .build();
    }

    private static ParquetValueWriter<RowData> flinkWriter(
            Schema schema, RowType rowType, MessageType msg) {
        return FlinkParquetWriters.buildWriter(
                rowType, MicrosTimeColumns.asLongs(msg, MicrosTimeColumns.of(schema, rowType)));
    }

    /** As {@link #appender}, and rows read with binary COPY go straight from their tuples. */
    static FileAppender<RowData> copyRowAppender(
            OutputFile out,
            Schema schema,
            RowType rowType,
            List<ColumnMapping> columns,
            Map<String, String> properties)
            throws IOException {
        return Parquet.write(out)
                .schema(schema)
                .createWriterFunc(
                        msg -> new CopyRowWriter(columns, msg, flinkWriter(schema, rowType, msg)))
                .setAll(properties)
                .overwrite()
                .build();
    }

    @Override
    public BulkWriter<RowData> create(FSDataOutputStream out) throws IOException {
        FileAppender<RowData> appender =
                columns == null
                        ? appender(new StreamOutputFile(out), schema, rowType, properties)
                        : copyRowAppender(
                                new StreamOutputFile(out), schema, rowType, columns, properties);
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
