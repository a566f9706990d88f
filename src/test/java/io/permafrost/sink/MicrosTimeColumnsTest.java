package io.permafrost.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.iceberg.Files;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.flink.data.FlinkParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A time column of microseconds, carried as a BIGINT, is written as Iceberg's time and read back
 * with its microseconds, by Iceberg's generic reader and by the Flink reader compaction uses; a
 * time column of milliseconds is left to Iceberg's Flink TIME.
 */
class MicrosTimeColumnsTest {

    private static final Schema SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "id", Types.IntegerType.get()),
                    Types.NestedField.optional(2, "at", Types.TimeType.get()),
                    Types.NestedField.optional(3, "at_ms", Types.TimeType.get()));
    private static final RowType ROW_TYPE =
            RowType.of(
                    new org.apache.flink.table.types.logical.LogicalType[] {
                        new IntType(false), new BigIntType(true), new TimeType(true, 3)
                    },
                    new String[] {"id", "at", "at_ms"});
    private static final long MICROS = 26_130_123_456L; // 07:15:30.123456

    @TempDir Path dir;

    @Test
    void onlyTimeColumnsCarriedAsBigintAreRead() {
        assertThat(MicrosTimeColumns.of(SCHEMA, ROW_TYPE)).containsExactly(2);
    }

    @Test
    void microsecondsSurviveAWriteAndBothReaders() throws Exception {
        Path file = dir.resolve("times.parquet");
        PermafrostConfig.Parquet parquet =
                new PermafrostConfig.Parquet("zstd", 128L << 20, 16L << 20, 20_000, 5);
        try (FileAppender<RowData> appender =
                ParquetWriterFactory.appender(
                        Files.localOutput(file.toFile()), SCHEMA, ROW_TYPE, parquet)) {
            appender.add(GenericRowData.of(1, MICROS, 26_130_123));
            appender.add(GenericRowData.of(2, null, null));
        }

        try (ParquetFileReader reader =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.toUri()),
                                new org.apache.hadoop.conf.Configuration()))) {
            assertThat(
                            reader.getFileMetaData()
                                    .getSchema()
                                    .getType("at")
                                    .getLogicalTypeAnnotation())
                    .isEqualTo(
                            LogicalTypeAnnotation.timeType(
                                    false, LogicalTypeAnnotation.TimeUnit.MICROS));
        }

        List<Record> records = new ArrayList<>();
        try (CloseableIterable<Record> rows =
                Parquet.read(Files.localInput(file.toFile()))
                        .project(SCHEMA)
                        .createReaderFunc(s -> GenericParquetReaders.buildReader(SCHEMA, s))
                        .build()) {
            rows.forEach(records::add);
        }
        assertThat(records.get(0).getField("at")).isEqualTo(LocalTime.ofNanoOfDay(MICROS * 1000));
        assertThat(records.get(0).getField("at_ms"))
                .isEqualTo(LocalTime.of(7, 15, 30, 123_000_000));
        assertThat(records.get(1).getField("at")).isNull();

        List<RowData> flinkRows = new ArrayList<>();
        try (CloseableIterable<RowData> rows =
                Parquet.read(Files.localInput(file.toFile()))
                        .project(SCHEMA)
                        .createReaderFunc(
                                s ->
                                        FlinkParquetReaders.buildReader(
                                                SCHEMA,
                                                MicrosTimeColumns.asLongs(
                                                        s, MicrosTimeColumns.of(SCHEMA, ROW_TYPE))))
                        .build()) {
            rows.forEach(flinkRows::add);
        }
        assertThat(flinkRows.get(0).getLong(1)).isEqualTo(MICROS);
        assertThat(flinkRows.get(0).getInt(2)).isEqualTo(26_130_123);
        assertThat(flinkRows.get(1).isNullAt(1)).isTrue();
    }
}
