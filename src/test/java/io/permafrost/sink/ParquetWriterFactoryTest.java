package io.permafrost.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Types;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page row limit reaches the files, and does what it is for: a column of unique values drops
 * its dictionary at the first page, a column of few values keeps it.
 */
class ParquetWriterFactoryTest {

    private static final Schema SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "id", Types.BinaryType.get()),
                    Types.NestedField.required(2, "kind", Types.StringType.get()));
    private static final int ROWS = 5_000;

    @TempDir Path dir;

    @Test
    void pagesHoldAtMostTheConfiguredRowsAndUniqueColumnsDropTheirDictionary() throws Exception {
        Map<String, ColumnChunkMetaData> columns = write(1_000);

        assertThat(pages("page-1000.parquet", "id")).isEqualTo(ROWS / 1_000);
        assertThat(columns.get("id").getEncodings())
                .doesNotContain(Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY);
        assertThat(columns.get("kind").getEncodings())
                .containsAnyOf(Encoding.RLE_DICTIONARY, Encoding.PLAIN_DICTIONARY);
    }

    @Test
    void parquetJavasDefaultWritesOnePageForTheSameRows() throws Exception {
        write(20_000);

        assertThat(pages("page-20000.parquet", "id")).isEqualTo(1);
    }

    private Map<String, ColumnChunkMetaData> write(int pageRows) throws Exception {
        PermafrostConfig.Parquet parquet =
                new PermafrostConfig.Parquet("zstd", 128L << 20, 16L << 20, pageRows, 5);
        org.apache.flink.core.fs.Path path =
                new org.apache.flink.core.fs.Path(
                        dir.resolve("page-" + pageRows + ".parquet").toUri());
        try (FSDataOutputStream out =
                path.getFileSystem().create(path, FileSystem.WriteMode.NO_OVERWRITE)) {
            BulkWriter<RowData> writer =
                    new ParquetWriterFactory(SCHEMA, FlinkSchemaUtil.convert(SCHEMA), parquet)
                            .create(out);
            for (int i = 0; i < ROWS; i++) {
                byte[] id = ByteBuffer.allocate(32).putLong(i * 0x9E3779B97F4A7C15L).array();
                writer.addElement(
                        GenericRowData.of(id, StringData.fromString(i % 3 == 0 ? "a" : "b")));
            }
            writer.finish();
        }
        Map<String, ColumnChunkMetaData> columns = new HashMap<>();
        try (ParquetFileReader reader = open("page-" + pageRows + ".parquet")) {
            assertThat(reader.getRecordCount()).isEqualTo(ROWS);
            for (BlockMetaData block : reader.getFooter().getBlocks()) {
                for (ColumnChunkMetaData c : block.getColumns()) {
                    columns.put(c.getPath().toDotString(), c);
                }
            }
        }
        return columns;
    }

    private int pages(String file, String column) throws Exception {
        try (ParquetFileReader reader = open(file)) {
            BlockMetaData block = reader.getFooter().getBlocks().get(0);
            for (ColumnChunkMetaData c : block.getColumns()) {
                if (c.getPath().toDotString().equals(column)) {
                    return reader.readOffsetIndex(c).getPageCount();
                }
            }
        }
        throw new AssertionError("no column " + column);
    }

    private ParquetFileReader open(String file) throws Exception {
        return ParquetFileReader.open(
                HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(dir.resolve(file).toUri()),
                        new Configuration()));
    }
}
