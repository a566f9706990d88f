package io.permafrost.replay;

import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.source.PreflightException;
import io.permafrost.verify.SourceSide;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;

/**
 * Writes one window of PostgreSQL, as it is now, into new Parquet files in the window's directory
 * (rows as snapshot reads: {@code _op = r}, {@code _lsn = 0}), streaming through a cursor and
 * rolling files at the target size. Returns the files; committing them is the caller's job.
 */
public final class WindowExporter {

    private final ArchiveTable archive;
    private final Table table;
    private final long targetFileSize;

    public WindowExporter(ArchiveTable archive, Table table, long targetFileSize) {
        refuseRetiredColumns(archive);
        this.archive = archive;
        this.table = table;
        this.targetFileSize = targetFileSize;
    }

    /**
     * A replay writes windows again from PostgreSQL as it is now: the values the archive keeps of
     * columns the table no longer has would become null.
     */
    public static void refuseRetiredColumns(ArchiveTable at) {
        List<String> retired = at.retiredColumns();
        if (!retired.isEmpty()) {
            throw new PreflightException(
                    2,
                    "the archive of "
                            + at.id()
                            + " keeps column(s) "
                            + retired
                            + " that the table no longer has (dropped, or in exclude_columns): a"
                            + " replay writes windows again from PostgreSQL as it is now, which"
                            + " would replace the values they hold with null, so replay refuses"
                            + " this table. Fix: read the window with 'permafrost fetch' and mend"
                            + " it by hand, or archive the table anew into a new catalog or"
                            + " warehouse");
        }
    }

    public List<DataFile> export(Connection conn, Window w) throws Exception {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        factory.setAll(table.properties());
        List<DataFile> files = new ArrayList<>();
        int cols = archive.columns().size();
        boolean auto = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT "
                                + SourceSide.columnList(archive)
                                + " FROM "
                                + archive.id().quoted()
                                + " WHERE "
                                + WindowBounds.sqlCondition(archive))) {
            st.setFetchSize(5_000);
            WindowBounds.bind(st, 1, archive, w);
            try (ResultSet rs = st.executeQuery()) {
                Writer[] open = {null};
                SourceSide.consumeAll(
                        rs,
                        archive,
                        row -> {
                            if (open[0] == null) {
                                open[0] = new Writer(factory, w);
                            }
                            Record r = GenericRecord.create(table.schema());
                            for (int i = 0; i < cols; i++) {
                                r.set(i, row.get(i));
                            }
                            r.set(archive.opIndex(), "r");
                            r.set(archive.lsnIndex(), 0L);
                            r.set(archive.commitTsIndex(), null);
                            open[0].appender.add(r);
                            if (open[0].appender.length() >= targetFileSize) {
                                files.add(open[0].close());
                                open[0] = null;
                            }
                        });
                if (open[0] != null) {
                    files.add(open[0].close());
                }
            }
        } finally {
            conn.commit();
            conn.setAutoCommit(auto);
        }
        return files;
    }

    private final class Writer {
        final OutputFile out;
        final FileAppender<Record> appender;
        final Window window;

        Writer(GenericAppenderFactory factory, Window window) {
            this.window = window;
            this.out =
                    table.io()
                            .newOutputFile(
                                    archive.dataLocation()
                                            + "/"
                                            + window.path()
                                            + "/"
                                            + WindowReplacer.OUTPUT_PREFIX
                                            + UUID.randomUUID()
                                            + ".parquet");
            this.appender = factory.newAppender(out, FileFormat.PARQUET);
        }

        DataFile close() throws Exception {
            appender.close();
            DataFile f =
                    DataFiles.builder(table.spec())
                            .withPath(out.location())
                            .withFormat(FileFormat.PARQUET)
                            .withFileSizeInBytes(appender.length())
                            .withMetrics(appender.metrics())
                            .withPartition(WindowCommitter.partitionOf(table, archive, window))
                            .build();
            return f;
        }
    }
}
