package io.permafrost.verify;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.schema.ArchiveTable;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * The source of {@code verify --follow}: polls the Iceberg tables and emits every window whose
 * newest snapshots have no verdict yet. Not checkpointed: a window emitted twice is harmless
 * because the manifest of a verified snapshot set makes the second check a no-op.
 */
public final class WindowPoller implements SourceFunction<VerifyTask> {

    private static final long serialVersionUID = 1L;

    private final PermafrostConfig config;
    private final List<ArchiveTable> tables;
    private final WindowFilter filter;
    private volatile boolean running = true;

    public WindowPoller(PermafrostConfig config, List<ArchiveTable> tables, WindowFilter filter) {
        this.config = config;
        this.tables = List.copyOf(tables);
        this.filter = filter;
    }

    @Override
    public void run(SourceContext<VerifyTask> ctx) throws Exception {
        Catalog catalog = CatalogSpec.of(config.catalog()).open();
        ManifestStore store = new ManifestStore(config.warehouse());
        Set<String> emitted = new HashSet<>();
        while (running) {
            for (int i = 0; i < tables.size(); i++) {
                ArchiveTable at = tables.get(i);
                Table table = catalog.loadTable(ArchiveTables.identifier(at.id()));
                for (CommittedWindow cw : ArchiveCatalogView.windows(at, table).values()) {
                    if (!filter.test(at, at.window().parsePath(cw.window()))) {
                        continue;
                    }
                    Optional<WindowManifest> m = store.read(at.id().toString(), cw.window());
                    boolean decided =
                            m.isPresent()
                                    && m.get().snapshotIds().equals(cw.snapshotIds())
                                    && m.get().state() != WindowState.COMMITTED;
                    if (!decided
                            && emitted.add(cw.table() + "/" + cw.window() + cw.snapshotIds())) {
                        synchronized (ctx.getCheckpointLock()) {
                            ctx.collect(new VerifyTask(i, cw, false));
                        }
                    }
                }
            }
            Thread.sleep(config.verify().followInterval().toMillis());
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
