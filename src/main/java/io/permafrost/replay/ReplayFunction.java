package io.permafrost.replay;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.SourceConnections;
import java.io.Serializable;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.util.InstantiationUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.catalog.Catalog;

/**
 * Exports one window per call where it runs; returns the window and its written files,
 * Java-serialized (Iceberg's DataFile is Serializable; Flink's own serializers do not know it).
 */
public final class ReplayFunction extends RichMapFunction<ReplayTask, byte[]> {

    private static final long serialVersionUID = 1L;

    /** What one call wrote: the window's path and its new files. */
    public record Exported(String window, List<DataFile> files) implements Serializable {}

    private final PermafrostConfig config;
    private final List<ArchiveTable> tables;
    private transient Catalog catalog;
    private transient Connection conn;

    public ReplayFunction(PermafrostConfig config, List<ArchiveTable> tables) {
        this.config = config;
        this.tables = List.copyOf(tables);
    }

    @Override
    public void open(OpenContext ctx) {
        catalog = CatalogSpec.of(config.catalog()).open();
        conn = SourceConnections.open(config.source());
    }

    @Override
    public byte[] map(ReplayTask task) throws Exception {
        ArchiveTable at = tables.get(task.table());
        List<DataFile> files =
                new WindowExporter(
                                at,
                                catalog.loadTable(ArchiveTables.identifier(at.id())),
                                config.parquet().targetFileSize())
                        .export(conn, at.window().parsePath(task.window()));
        return InstantiationUtil.serializeObject(
                new Exported(task.window(), new ArrayList<>(files)));
    }

    @Override
    public void close() throws Exception {
        if (conn != null) {
            conn.close();
        }
        if (catalog instanceof AutoCloseable c) {
            c.close();
        }
    }
}
