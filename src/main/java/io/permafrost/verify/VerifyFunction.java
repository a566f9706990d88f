package io.permafrost.verify;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.SourceConnections;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/** Verifies windows where it runs: one catalog and one PostgreSQL connection per subtask. */
public final class VerifyFunction extends RichMapFunction<VerifyTask, WindowVerifier.Outcome> {

    private static final long serialVersionUID = 1L;

    private final PermafrostConfig config;
    private final List<ArchiveTable> tables;

    private transient Catalog catalog;
    private transient Connection conn;
    private transient ManifestStore store;
    private transient Notifier notifier;
    private transient Map<Integer, Table> icebergTables;
    private transient org.apache.flink.metrics.Counter verified;
    private transient org.apache.flink.metrics.Counter failed;

    public VerifyFunction(PermafrostConfig config, List<ArchiveTable> tables) {
        this.config = config;
        this.tables = List.copyOf(tables);
    }

    @Override
    public void open(OpenContext ctx) {
        catalog = CatalogSpec.of(config.catalog()).open();
        conn = SourceConnections.open(config.source());
        store = new ManifestStore(config.warehouse());
        notifier = new Notifier(config.verify().webhookUrl());
        icebergTables = new HashMap<>();
        verified = getRuntimeContext().getMetricGroup().counter("windowsVerified");
        failed = getRuntimeContext().getMetricGroup().counter("windowsFailed");
    }

    @Override
    public WindowVerifier.Outcome map(VerifyTask task) throws Exception {
        ArchiveTable at = tables.get(task.table());
        Table iceberg =
                icebergTables.computeIfAbsent(
                        task.table(), i -> catalog.loadTable(ArchiveTables.identifier(at.id())));
        iceberg.refresh();
        WindowVerifier.Outcome o =
                new WindowVerifier(
                                at, iceberg, conn, store, notifier, config.verify().exampleKeys())
                        .verify(task.window(), task.force());
        if (o.state() == io.permafrost.manifest.WindowState.VERIFIED) {
            verified.inc();
        } else if (o.state() == io.permafrost.manifest.WindowState.FAILED) {
            failed.inc();
        }
        return o;
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
