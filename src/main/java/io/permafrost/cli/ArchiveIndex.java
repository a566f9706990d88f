package io.permafrost.cli;

import io.permafrost.compact.WindowCompactor;
import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.iceberg.ReplacedFiles;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.source.PreflightException;
import io.permafrost.verify.ArchiveCatalogView;
import io.permafrost.verify.CommittedWindow;
import io.permafrost.verify.WindowFilter;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * The archive as the Iceberg catalog and the window manifests describe it, read without a database
 * connection (status, list, fetch work after the source is gone). One instance holds the catalog
 * open; close it when done.
 */
final class ArchiveIndex implements AutoCloseable {

    /** A configured table and its Iceberg table (null while nothing was archived yet). */
    record ArchivedTable(PermafrostConfig.Table config, Table iceberg) {
        String name() {
            return config.id().toString();
        }
    }

    /**
     * One window as an operator sees it.
     *
     * @param state COMMITTED when no manifest covers the window's current Iceberg snapshots,
     *     otherwise the manifest's state
     * @param rows archived row versions (Iceberg snapshot summaries; the manifest's count for a
     *     window whose snapshots have expired)
     * @param snapshots Iceberg snapshots of the window (0 when only its manifest is left)
     * @param manifest the window's manifest, if any (possibly for older snapshots)
     * @param stale true when the manifest covers other snapshots than Iceberg has now
     * @param replayed true when the window's newest snapshot is a replay
     */
    record WindowInfo(
            String table,
            Window window,
            WindowState state,
            long rows,
            long bytes,
            int files,
            int snapshots,
            Instant committedAt,
            Instant lastCommittedAt,
            WindowManifest manifest,
            boolean stale,
            boolean replayed) {

        Instant verifiedAt() {
            return manifest == null ? null : parse(manifest.verifiedAt());
        }

        Instant deletedAt() {
            return manifest == null ? null : parse(manifest.deletedAt());
        }

        String note() {
            if (replayed && state == WindowState.COMMITTED) {
                return "replayed; run verify";
            }
            if (manifest == null) {
                return "";
            }
            if (snapshots == 0) {
                return "Iceberg snapshots expired; manifest only";
            }
            if (stale) {
                return "manifest ("
                        + manifest.state()
                        + ") covers "
                        + manifest.snapshotIds().size()
                        + " of "
                        + snapshots
                        + " snapshots: rows arrived after it; run verify";
            }
            if (state == WindowState.FAILED && manifest.failure() != null) {
                return manifest.failure().reason();
            }
            return "";
        }

        private static Instant parse(String text) {
            return text == null ? null : Instant.parse(text);
        }
    }

    /** {@code permafrost.kind} of a replay's overwrite snapshot. */
    private final PermafrostConfig config;

    private final Catalog catalog;
    private final ManifestStore manifests;

    ArchiveIndex(PermafrostConfig config) {
        this.config = config;
        CatalogSpec spec = CatalogSpec.of(config.catalog());
        try {
            this.catalog = spec.open();
        } catch (RuntimeException e) {
            throw new PreflightException(
                    1,
                    "cannot open the Iceberg "
                            + spec.type()
                            + " catalog: "
                            + e.getMessage()
                            + ". Fix: check the catalog section and the warehouse of the config",
                    e);
        }
        this.manifests = new ManifestStore(config.warehouse());
    }

    /**
     * The configured tables, or the one {@code --table} names (schema.table or table); an unknown
     * name is a usage error that lists the configured tables.
     */
    List<ArchivedTable> tables(String only) {
        List<ArchivedTable> out = new ArrayList<>();
        for (PermafrostConfig.Table t : config.tables()) {
            if (only == null || t.id().matches(only)) {
                var ident = ArchiveTables.identifier(t.id());
                out.add(
                        new ArchivedTable(
                                t, catalog.tableExists(ident) ? catalog.loadTable(ident) : null));
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException(
                    "option '--table': '"
                            + only
                            + "' is not a table of this config. Fix: use one of "
                            + config.tables().stream().map(t -> t.id().toString()).toList());
        }
        return out;
    }

    /** Every known window of the table that passes the filter, by window start. */
    List<WindowInfo> windows(ArchivedTable t, WindowFilter filter) throws IOException {
        Map<String, WindowManifest> byWindow = new HashMap<>();
        for (WindowManifest m : manifests.list(t.name())) {
            byWindow.put(m.window(), m);
        }
        List<WindowInfo> out = new ArrayList<>();
        if (t.iceberg() != null) {
            for (CommittedWindow cw :
                    ArchiveCatalogView.windows(t.config().id(), t.iceberg()).values()) {
                Window w = t.config().window().parsePath(cw.window());
                WindowManifest m = byWindow.remove(cw.window());
                if (!filter.test(t.config().id(), t.config().window(), w)) {
                    continue;
                }
                long rows = 0;
                long bytes = 0;
                int files = 0;
                long last = cw.committedAtMillis();
                boolean replayed = false;
                for (long id : cw.snapshotIds()) {
                    Snapshot s = t.iceberg().snapshot(id);
                    Map<String, String> sum = s.summary();
                    last = Math.max(last, s.timestampMillis());
                    if (ReplacedFiles.isCompaction(s)) {
                        // the same rows in fewer files
                        files +=
                                (int)
                                        (number(sum, WindowCommitter.FILES, 0)
                                                - number(sum, WindowCompactor.REPLACED, 0));
                        bytes +=
                                number(sum, SnapshotSummary.ADDED_FILE_SIZE_PROP, 0)
                                        - number(sum, SnapshotSummary.REMOVED_FILE_SIZE_PROP, 0);
                        continue;
                    }
                    replayed = ReplacedFiles.REPLAY.equals(sum.get(WindowCommitter.KIND));
                    if (replayed) {
                        // a replay overwrites the window: only its own files remain
                        rows = 0;
                        bytes = 0;
                        files = 0;
                    }
                    rows +=
                            number(
                                    sum,
                                    WindowCommitter.ROWS,
                                    number(sum, SnapshotSummary.ADDED_RECORDS_PROP, 0));
                    files +=
                            (int)
                                    number(
                                            sum,
                                            WindowCommitter.FILES,
                                            number(sum, SnapshotSummary.ADDED_FILES_PROP, 0));
                    bytes += number(sum, SnapshotSummary.ADDED_FILE_SIZE_PROP, 0);
                }
                boolean current = m != null && m.snapshotIds().equals(cw.snapshotIds());
                out.add(
                        new WindowInfo(
                                t.name(),
                                w,
                                current ? m.state() : WindowState.COMMITTED,
                                rows,
                                bytes,
                                files,
                                cw.snapshotIds().size(),
                                Instant.ofEpochMilli(cw.committedAtMillis()),
                                Instant.ofEpochMilli(last),
                                m,
                                m != null && !current,
                                replayed));
            }
        }
        // Windows only a manifest remembers: their Iceberg snapshots were expired (or the
        // Iceberg table was replaced). The manifest is the only record of them left.
        for (WindowManifest m : byWindow.values()) {
            Window w = t.config().window().parsePath(m.window());
            if (!filter.test(t.config().id(), t.config().window(), w)) {
                continue;
            }
            Instant committed = m.committedAt() == null ? null : Instant.parse(m.committedAt());
            out.add(
                    new WindowInfo(
                            t.name(),
                            w,
                            m.state(),
                            m.rows(),
                            m.bytes(),
                            m.files() == null ? 0 : m.files().size(),
                            0,
                            committed,
                            committed,
                            m,
                            false,
                            false));
        }
        out.sort(Comparator.comparingLong(i -> i.window().start()));
        return out;
    }

    private static long number(Map<String, String> summary, String key, long otherwise) {
        String v = summary.get(key);
        return v == null ? otherwise : Long.parseLong(v);
    }

    @Override
    public void close() throws Exception {
        if (catalog instanceof AutoCloseable c) {
            c.close();
        }
    }
}
