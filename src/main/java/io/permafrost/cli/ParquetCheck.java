package io.permafrost.cli;

import io.permafrost.manifest.WindowManifest;
import java.io.IOException;
import java.util.Comparator;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.MessageType;

/**
 * Checks one Parquet file by reading every value of every column chunk with plain parquet-java: the
 * footer opens, page checksums (where written) match, every page decodes, each column yields
 * exactly the row group's row count, the row groups add up to the footer's row count, and each
 * chunk's statistics (null count, min, max) hold for the values read. Optionally the file's size
 * and row count are compared with the window manifest that lists it.
 */
final class ParquetCheck {

    /** The verdict on one file. */
    record Result(boolean ok, String reason, long rows) {
        static Result pass(long rows) {
            return new Result(true, null, rows);
        }

        static Result fail(String reason, long rows) {
            return new Result(false, reason, rows);
        }
    }

    /** A manifest's record of a file: which window listed it, and what it said. */
    record Expected(String table, String window, WindowManifest.FileEntry entry) {}

    private ParquetCheck() {}

    static Result check(Path path, Expected expected) {
        long length;
        FileSystem fs;
        try {
            fs = path.getFileSystem();
            length = fs.getFileStatus(path).getLen();
        } catch (IOException e) {
            return Result.fail("cannot read: " + ErrorHandler.rootMessage(e), 0);
        }
        if (expected != null && expected.entry().size() != length) {
            return Result.fail(
                    "size is "
                            + length
                            + " bytes but the manifest of "
                            + expected.table()
                            + " "
                            + expected.window()
                            + " says "
                            + expected.entry().size(),
                    0);
        }
        long rows;
        ParquetReadOptions options =
                ParquetReadOptions.builder().usePageChecksumVerification(true).build();
        InputFile file = new FlinkInputFile(fs, path, length);
        try (ParquetFileReader reader = new ParquetFileReader(file, options)) {
            rows = readAll(reader, file, options);
        } catch (Check e) {
            return Result.fail(e.getMessage(), 0);
        } catch (Exception | LinkageError e) {
            return Result.fail("cannot read as Parquet: " + ErrorHandler.rootMessage(e), 0);
        }
        if (expected != null && expected.entry().rows() != rows) {
            return Result.fail(
                    "holds "
                            + rows
                            + " rows but the manifest of "
                            + expected.table()
                            + " "
                            + expected.window()
                            + " says "
                            + expected.entry().rows(),
                    rows);
        }
        return Result.pass(rows);
    }

    /** A finding about the file (not an I/O problem). */
    private static final class Check extends Exception {
        Check(String message) {
            super(message);
        }
    }

    private static long readAll(
            ParquetFileReader reader, InputFile file, ParquetReadOptions options)
            throws IOException, Check {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
        long footerRows = reader.getRecordCount();
        long rowsRead = 0;
        int group = 0;
        for (BlockMetaData block : reader.getRowGroups()) {
            PageReadStore pages;
            try {
                pages = reader.readNextRowGroup();
            } catch (IOException | RuntimeException e) {
                throw new Check(
                        "row group "
                                + group
                                + locate(file, options, schema, group)
                                + " cannot be read: "
                                + ErrorHandler.rootMessage(e));
            }
            if (pages == null) {
                throw new Check(
                        "the footer lists "
                                + reader.getRowGroups().size()
                                + " row groups but only "
                                + group
                                + " could be read");
            }
            ColumnReadStoreImpl store =
                    new ColumnReadStoreImpl(
                            pages,
                            new GroupRecordConverter(schema).getRootConverter(),
                            schema,
                            createdBy);
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                ColumnDescriptor column = schema.getColumnDescription(chunk.getPath().toArray());
                String where = "row group " + group + ", column " + chunk.getPath().toDotString();
                long rows;
                try {
                    rows = checkColumn(store.getColumnReader(column), column, chunk, where);
                } catch (Check c) {
                    throw c;
                } catch (RuntimeException | LinkageError e) {
                    throw new Check(where + ": cannot be decoded: " + ErrorHandler.rootMessage(e));
                }
                if (rows != block.getRowCount()) {
                    throw new Check(
                            where
                                    + ": "
                                    + rows
                                    + " rows read, the footer says the row group has "
                                    + block.getRowCount());
                }
            }
            rowsRead += block.getRowCount();
            group++;
        }
        if (reader.readNextRowGroup() != null) {
            throw new Check("the file holds more row groups than its footer lists");
        }
        if (rowsRead != footerRows) {
            throw new Check(rowsRead + " rows read, the footer says " + footerRows);
        }
        return rowsRead;
    }

    /**
     * Which top-level column of a row group that cannot be read is at fault (e.g. a page checksum
     * fails): reads the row group again one column at a time. Empty when none fails alone.
     */
    private static String locate(
            InputFile file, ParquetReadOptions options, MessageType schema, int group) {
        for (org.apache.parquet.schema.Type field : schema.getFields()) {
            try (ParquetFileReader one = new ParquetFileReader(file, options)) {
                one.setRequestedSchema(new MessageType(schema.getName(), field));
                for (int g = 0; g < group; g++) {
                    one.skipNextRowGroup();
                }
                one.readNextRowGroup();
            } catch (IOException | RuntimeException e) {
                return ", column " + field.getName() + ",";
            }
        }
        return "";
    }

    /** Reads every value of a column chunk; returns its row count. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static long checkColumn(
            ColumnReader reader, ColumnDescriptor column, ColumnChunkMetaData chunk, String where)
            throws Check {
        int maxDef = column.getMaxDefinitionLevel();
        Statistics<?> stats = chunk.getStatistics();
        Comparator cmp = column.getPrimitiveType().comparator();
        long values = reader.getTotalValueCount();
        long rows = 0;
        long nulls = 0;
        long nonNull = 0;
        Comparable min = null;
        Comparable max = null;
        for (long i = 0; i < values; i++) {
            if (reader.getCurrentRepetitionLevel() == 0) {
                rows++;
            }
            if (reader.getCurrentDefinitionLevel() < maxDef) {
                nulls++;
            } else {
                Comparable v =
                        switch (column.getPrimitiveType().getPrimitiveTypeName()) {
                            case INT32 -> reader.getInteger();
                            case INT64 -> reader.getLong();
                            case BOOLEAN -> reader.getBoolean();
                            case FLOAT -> reader.getFloat();
                            case DOUBLE -> reader.getDouble();
                            default -> reader.getBinary().copy();
                        };
                nonNull++;
                boolean nan =
                        (v instanceof Float f && f.isNaN()) || (v instanceof Double d && d.isNaN());
                if (!nan) {
                    if (min == null || cmp.compare(v, min) < 0) {
                        min = v;
                    }
                    if (max == null || cmp.compare(v, max) > 0) {
                        max = v;
                    }
                }
            }
            reader.consume();
        }
        if (values != chunk.getValueCount()) {
            throw new Check(
                    where
                            + ": "
                            + values
                            + " values read, the footer says "
                            + chunk.getValueCount());
        }
        if (stats == null || stats.isEmpty()) {
            return rows;
        }
        if (stats.isNumNullsSet() && stats.getNumNulls() != nulls) {
            throw new Check(
                    where
                            + ": the statistics say "
                            + stats.getNumNulls()
                            + " nulls, "
                            + nulls
                            + " were read");
        }
        if (stats.hasNonNullValue()) {
            if (nonNull == 0) {
                throw new Check(
                        where + ": the statistics have a min and max but every value read is null");
            }
            Comparator sc = stats.comparator();
            if (min != null && sc.compare(stats.genericGetMin(), min) > 0) {
                throw new Check(
                        where
                                + ": value "
                                + show(column, min)
                                + " was read, below the statistics' min "
                                + stats.minAsString());
            }
            if (max != null && sc.compare(stats.genericGetMax(), max) < 0) {
                throw new Check(
                        where
                                + ": value "
                                + show(column, max)
                                + " was read, above the statistics' max "
                                + stats.maxAsString());
            }
        }
        return rows;
    }

    private static String show(ColumnDescriptor column, Object v) {
        var s = column.getPrimitiveType().stringifier();
        if (v instanceof Integer i) {
            return s.stringify(i);
        }
        if (v instanceof Long l) {
            return s.stringify(l);
        }
        if (v instanceof Float f) {
            return s.stringify(f);
        }
        if (v instanceof Double d) {
            return s.stringify(d);
        }
        if (v instanceof Boolean b) {
            return s.stringify(b);
        }
        return s.stringify((org.apache.parquet.io.api.Binary) v);
    }

    /** A Parquet input file on any Flink file system (local, S3 through Flink's plugin). */
    private record FlinkInputFile(FileSystem fs, Path path, long length) implements InputFile {

        @Override
        public long getLength() {
            return length;
        }

        @Override
        public SeekableInputStream newStream() throws IOException {
            FSDataInputStream in = fs.open(path);
            return new DelegatingSeekableInputStream(in) {
                @Override
                public long getPos() throws IOException {
                    return in.getPos();
                }

                @Override
                public void seek(long newPos) throws IOException {
                    in.seek(newPos);
                }
            };
        }
    }
}
