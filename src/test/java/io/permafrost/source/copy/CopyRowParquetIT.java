package io.permafrost.source.copy;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.ArchivePlan;
import io.permafrost.job.BackfillIT;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.sink.ParquetWriterFactory;
import io.permafrost.testing.Canonical;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Files;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * Rows read with binary COPY are written straight from their tuples ({@code CopyRowWriter}); the
 * files must be the ones Iceberg's own writer makes of the same rows' Flink values: every value and
 * every column chunk's statistics (Iceberg's column bounds come from them) alike.
 */
class CopyRowParquetIT {

    @TempDir Path dir;

    @Test
    void tuplesWrittenStraightMatchIcebergsWriterValueForValueAndInEveryStatistic()
            throws Exception {
        String db = EmbeddedPostgres.newDatabase("copy_row_parquet");
        EmbeddedPostgres.execute(db, BackfillIT.ALL_TYPES, BackfillIT.ROWS);
        // Extremes the generated rows lack: negative and widest decimals, empty and NULL-only
        // arrays, times at the ends of the day, timestamps before 1970 and 2000.
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO items (id, uploaded_at, price, amount, anynum, tags, nums, t3, naive)"
                        + " VALUES (1001, '2024-01-16 12:00:00+00', 99999999999999999999,"
                        + " -9999999.999, -0.000001, ARRAY[NULL]::text[], ARRAY[]::int[],"
                        + " '23:59:59.999', '1969-12-31 23:59:59.999999'),"
                        + " (1002, '2024-01-16 12:00:01+00', -99999999999999999999, 0.001,"
                        + " 'NaN', ARRAY[NULL, NULL]::text[], ARRAY[NULL]::int[], '00:00:00',"
                        + " '1999-12-31 23:59:59.999999'),"
                        + " (1003, '2024-01-16 12:00:02+00', 123456789012, 1.5, 0, NULL, NULL, NULL, NULL),"
                        + " (1005, '2024-01-16 12:00:04+00', -987654321, 0, 0, NULL, NULL, NULL, NULL),"
                        + " (1006, '2024-01-16 12:00:05+00', 0, -1234567.891, 0, NULL, NULL, NULL, NULL),"
                        + " (1004, '2024-01-16 12:00:03+00', -1, -0.001, 123456789012345678901234.5,"
                        + " ARRAY['']::text[], ARRAY[-2147483648, 2147483647], '12:00:00.001',"
                        + " '0001-01-01 00:00:00')");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: public.items\n    window: {column: uploaded_at, granularity: daily}\n",
                        "");
        PermafrostConfig cfg = ConfigLoader.load(config);
        ArchiveTable table = ArchivePlan.prepare(cfg).tables().get(0);

        List<RowData> rows = new ArrayList<>();
        CopyRowDecoder decoder = new CopyRowDecoder(table);
        try (Connection c = EmbeddedPostgres.connect(db)) {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut(CopyQuery.sql(table, "public.items", 0, -1, false), copy);
            // One message for the whole stream: the decoder reads tuple after tuple.
            decoder.decode(copy.toByteArray(), (row, xmin) -> rows.add(row));

            // With xmin (a run reading archived windows): the same rows, each with its writer.
            List<String> withXmin = new ArrayList<>();
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut(CopyQuery.sql(table, "public.items", 0, -1, true), again);
            new CopyRowDecoder(table, true)
                    .decode(
                            again.toByteArray(),
                            (row, xmin) -> withXmin.add(row.getLong(0) + "@" + xmin));
            List<String> expected = new ArrayList<>();
            try (var st = c.createStatement();
                    var rs = st.executeQuery("SELECT id, xmin::text FROM public.items")) {
                while (rs.next()) {
                    expected.add(rs.getLong(1) + "@" + rs.getString(2));
                }
            }
            assertThat(withXmin).hasSize(306).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(rows).hasSize(306).allMatch(r -> r instanceof CopyRow);

        // The same values as plain Flink rows, which only Iceberg's writer writes.
        RowType type = table.rowType();
        RowData.FieldGetter[] getters = new RowData.FieldGetter[type.getFieldCount()];
        for (int i = 0; i < getters.length; i++) {
            getters[i] = RowData.createFieldGetter(type.getTypeAt(i), i);
        }
        List<RowData> generic = new ArrayList<>();
        for (RowData r : rows) {
            GenericRowData g = new GenericRowData(r.getArity());
            for (int i = 0; i < getters.length; i++) {
                g.setField(i, getters[i].getFieldOrNull(r));
            }
            generic.add(g);
        }

        PermafrostConfig.Parquet parquet = cfg.parquet();
        Path straight =
                write(
                        new ParquetWriterFactory(table.schema(), type, table.columns(), parquet),
                        rows,
                        "straight.parquet");
        Path iceberg =
                write(
                        new ParquetWriterFactory(table.schema(), type, parquet),
                        generic,
                        "iceberg.parquet");

        assertThat(read(table, straight)).isEqualTo(read(table, iceberg));
        assertThat(statistics(straight)).isEqualTo(statistics(iceberg));
    }

    private Path write(ParquetWriterFactory factory, List<RowData> rows, String name)
            throws Exception {
        Path file = dir.resolve(name);
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(file.toUri());
        try (FSDataOutputStream out =
                path.getFileSystem().create(path, FileSystem.WriteMode.NO_OVERWRITE)) {
            BulkWriter<RowData> writer = factory.create(out);
            for (RowData r : rows) {
                writer.addElement(r);
            }
            writer.finish();
        }
        return file;
    }

    /** Every record, canonical, by id; the archive fields last. */
    private static TreeMap<Long, List<String>> read(ArchiveTable table, Path file)
            throws Exception {
        TreeMap<Long, List<String>> out = new TreeMap<>();
        try (CloseableIterable<Record> records =
                Parquet.read(Files.localInput(file.toFile()))
                        .project(table.schema())
                        .createReaderFunc(s -> GenericParquetReaders.buildReader(table.schema(), s))
                        .build()) {
            for (Record r : records) {
                out.put((Long) r.getField("id"), Canonical.record(r, table.arity()));
            }
        }
        return out;
    }

    /** Per column path: values, nulls, min and max, as parquet-java reads them from the footer. */
    private static TreeMap<String, String> statistics(Path file) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (ParquetFileReader reader =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.toUri()),
                                new Configuration()))) {
            assertThat(reader.getRowGroups()).isNotEmpty();
            for (BlockMetaData block : reader.getRowGroups()) {
                for (ColumnChunkMetaData c : block.getColumns()) {
                    out.merge(
                            c.getPath().toDotString(),
                            c.getValueCount() + " values, " + c.getStatistics(),
                            (a, b) -> a + " | " + b);
                }
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }
}
