package io.permafrost.verify;

import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import java.io.Serializable;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies one committed window: reads its archived state back through Iceberg and the same window
 * from PostgreSQL, compares count, bounds and fingerprint, and writes the manifest ({@code
 * VERIFIED} or {@code FAILED} with the reason and example keys).
 */
public final class WindowVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(WindowVerifier.class);

    /** What happened to one window in a verification pass. */
    public record Outcome(String table, String window, WindowState state, long rows, String note)
            implements Serializable {}

    private final ArchiveTable table;
    private final Table iceberg;
    private final Connection conn;
    private final ManifestStore store;
    private final Notifier notifier;
    private final int exampleKeys;

    public WindowVerifier(
            ArchiveTable table,
            Table iceberg,
            Connection conn,
            ManifestStore store,
            Notifier notifier,
            int exampleKeys) {
        this.table = table;
        this.iceberg = iceberg;
        this.conn = conn;
        this.store = store;
        this.notifier = notifier;
        this.exampleKeys = exampleKeys;
    }

    public Outcome verify(CommittedWindow cw, boolean force) throws Exception {
        String name = table.id().toString();
        Optional<WindowManifest> existing = store.read(name, cw.window());
        if (existing.isPresent()) {
            WindowManifest m = existing.get();
            boolean sameSnapshots = m.snapshotIds().equals(cw.snapshotIds());
            // Evidence over columns the table has lost since is computed again without them.
            boolean same = sameSnapshots && m.coversColumns(table.retiredColumns());
            boolean settled = m.state() == WindowState.DELETED || m.state() == WindowState.DELETING;
            if ((sameSnapshots && settled)
                    || (same && m.state() == WindowState.VERIFIED && !force)) {
                return new Outcome(
                        name,
                        cw.window(),
                        m.state(),
                        m.rows(),
                        "unchanged since " + m.state().name().toLowerCase());
            }
            if (same && m.state() == WindowState.FAILED && !force) {
                return new Outcome(
                        name,
                        cw.window(),
                        m.state(),
                        m.rows(),
                        "failed before; --force to verify again");
            }
            if (!sameSnapshots && settled) {
                WindowManifest failed =
                        m.failed(
                                new WindowManifest.Failure(
                                        "rows were archived for this window after it was deleted from PostgreSQL "
                                                + "(snapshots "
                                                + cw.snapshotIds()
                                                + "); they cannot be checked against "
                                                + "the source any more. Inspect them with 'permafrost fetch'",
                                        List.of()),
                                now());
                store.write(failed);
                notifier.windowFailed(failed, store.pathOf(name, cw.window()).toString());
                return new Outcome(
                        name, cw.window(), WindowState.FAILED, m.rows(), failed.failure().reason());
            }
        }
        long started = System.nanoTime();
        Window window = table.window().parsePath(cw.window());
        ArchiveCatalogView.Files listed =
                ArchiveCatalogView.files(table, iceberg, window, cw.latestSnapshotId());
        List<String> missing =
                listed.files().stream()
                        .map(WindowManifest.FileEntry::path)
                        .filter(p -> !iceberg.io().newInputFile(p).exists())
                        .toList();
        if (!missing.isEmpty()) {
            String reason =
                    missing.size()
                            + " archived file(s) of the window are missing from storage: "
                            + missing;
            WindowManifest failed =
                    new WindowManifest(
                            WindowManifest.FORMAT_VERSION,
                            name,
                            cw.window(),
                            window.start(),
                            window.end(),
                            WindowState.FAILED,
                            cw.snapshotIds(),
                            listed.files(),
                            0,
                            null,
                            null,
                            null,
                            null,
                            null,
                            listed.lsnMin(),
                            listed.lsnMax(),
                            null,
                            Instant.ofEpochMilli(cw.committedAtMillis()).toString(),
                            now(),
                            null,
                            now(),
                            new WindowManifest.Failure(reason, List.of()),
                            null,
                            table.retiredColumns());
            store.write(failed);
            LOG.warn("Window {} of {} FAILED verification: {}", cw.window(), name, reason);
            notifier.windowFailed(failed, store.pathOf(name, cw.window()).toString());
            return new Outcome(name, cw.window(), WindowState.FAILED, 0, reason);
        }
        ArchiveSide archive = new ArchiveSide(table, iceberg, window, cw.latestSnapshotId());
        SourceSide source = new SourceSide(table, conn, window);
        WindowDigest a = archive.digest();
        WindowDigest s = source.digest();
        ArchiveCatalogView.Files files =
                ArchiveCatalogView.files(table, iceberg, window, cw.latestSnapshotId());

        List<String> reasons = new ArrayList<>();
        if (a.count() != s.count()) {
            reasons.add("the archive holds " + a.count() + " rows, PostgreSQL " + s.count());
        } else if (!a.fingerprint().equals(s.fingerprint())) {
            reasons.add("same row count (" + a.count() + ") but the content differs");
        }
        if (!java.util.Objects.equals(a.windowMin(), s.windowMin())
                || !java.util.Objects.equals(a.windowMax(), s.windowMax())) {
            reasons.add(
                    "window column range differs (archive "
                            + a.windowMin()
                            + ".."
                            + a.windowMax()
                            + ", PostgreSQL "
                            + s.windowMin()
                            + ".."
                            + s.windowMax()
                            + ")");
        }
        if (!java.util.Objects.equals(a.keyMin(), s.keyMin())
                || !java.util.Objects.equals(a.keyMax(), s.keyMax())) {
            reasons.add("key range differs");
        }
        WindowManifest.Failure failure = null;
        if (!reasons.isEmpty()) {
            failure =
                    new WindowManifest.Failure(
                            String.join("; ", reasons), examples(archive, source, a, s));
        }
        String now = now();
        WindowManifest m =
                new WindowManifest(
                        WindowManifest.FORMAT_VERSION,
                        name,
                        cw.window(),
                        window.start(),
                        window.end(),
                        failure == null ? WindowState.VERIFIED : WindowState.FAILED,
                        cw.snapshotIds(),
                        files.files(),
                        a.count(),
                        a.windowMin(),
                        a.windowMax(),
                        a.keyMin(),
                        a.keyMax(),
                        a.fingerprint(),
                        files.lsnMin(),
                        files.lsnMax(),
                        new WindowManifest.Side(
                                s.count(),
                                s.fingerprint(),
                                s.windowMin(),
                                s.windowMax(),
                                s.keyMin(),
                                s.keyMax()),
                        Instant.ofEpochMilli(cw.committedAtMillis()).toString(),
                        now,
                        null,
                        now,
                        failure,
                        null,
                        table.retiredColumns());
        store.write(m);
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (failure != null) {
            LOG.warn(
                    "Window {} of {} FAILED verification in {} ms: {}",
                    cw.window(),
                    name,
                    ms,
                    failure.reason());
            notifier.windowFailed(m, store.pathOf(name, cw.window()).toString());
            return new Outcome(name, cw.window(), WindowState.FAILED, a.count(), failure.reason());
        }
        LOG.info(
                "Verified window {} of {}: {} rows, fingerprint {} in {} ms",
                cw.window(),
                name,
                a.count(),
                a.fingerprint(),
                ms);
        return new Outcome(
                name,
                cw.window(),
                WindowState.VERIFIED,
                a.count(),
                "fingerprint " + a.fingerprint());
    }

    /** Up to {@code exampleKeys} keys whose rows differ, found through the differing buckets. */
    private List<String> examples(
            ArchiveSide archive, SourceSide source, WindowDigest a, WindowDigest s)
            throws Exception {
        if (exampleKeys == 0) {
            return List.of();
        }
        Set<Integer> buckets =
                Arrays.stream(a.differingBuckets(s, 64)).boxed().collect(Collectors.toSet());
        Map<String, String> inArchive = archive.rowsIn(buckets);
        Map<String, String> inSource = source.rowsIn(buckets);
        Set<String> keys = new TreeSet<>(inArchive.keySet());
        keys.addAll(inSource.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            String av = inArchive.get(k);
            String sv = inSource.get(k);
            if (av == null) {
                out.add(k + ": missing in the archive");
            } else if (sv == null) {
                out.add(k + ": not in PostgreSQL");
            } else if (!av.equals(sv)) {
                out.add(k + (av.contains("+") ? ": archived more than once" : ": values differ"));
            }
            if (out.size() >= exampleKeys) {
                break;
            }
        }
        return out;
    }

    static String now() {
        return Instant.now().toString();
    }
}
