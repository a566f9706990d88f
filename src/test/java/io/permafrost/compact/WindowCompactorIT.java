package io.permafrost.compact;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.DataFileRef;
import io.permafrost.iceberg.Reconciler;
import io.permafrost.iceberg.ReplacedFiles;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import io.permafrost.testing.DailyEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of a window against a real Iceberg table (Hadoop catalog on the local disk) and real
 * Parquet files written by the archive's own writer: the rows stay the same, the directory holds
 * only the new file, and nothing that was replaced can come back — through the committer, the
 * reconciliation at start, or an interrupted earlier attempt.
 */
class WindowCompactorIT {

    @TempDir Path dir;

    private DailyEvents events;
    private PermafrostConfig config;
    private ArchiveTable archive;
    private Table table;
    private WindowCommitter committer;
    private WindowCompactor compactor;

    @BeforeEach
    void setUp() {
        events = new DailyEvents(dir, "compactor");
        config = events.config;
        archive = events.archive;
        table = events.table;
        committer = new WindowCommitter(table, archive, "test-job");
        compactor =
                new WindowCompactor(
                        events.loadTable(),
                        archive,
                        config.parquet(),
                        new ManifestStore(config.warehouse()));
    }

    @Test
    void rewritesTheSmallFilesOfAWindowIntoOneAndDeletesThem() throws Exception {
        List<DataFileRef> files = commitFiles(0, 6);
        commitFiles(1, 4); // fewer than compaction_min_files (5): left as it is
        List<Long> before = ids(day(0));

        Optional<WindowCompactor.Result> r = compactor.compact(day(0));

        assertThat(r).isPresent();
        assertThat(r.get().filesIn()).isEqualTo(6);
        assertThat(r.get().filesOut()).isEqualTo(1);
        assertThat(r.get().rows()).isEqualTo(before.size());
        assertThat(ids(day(0))).containsExactlyElementsOf(before);
        assertThat(tableFiles(day(0)))
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.substring(p.lastIndexOf('/') + 1))
                                        .startsWith(WindowCompactor.OUTPUT_PREFIX));
        // Readers of the directory see the same: the replaced files are gone.
        assertThat(directory(day(0))).containsExactlyElementsOf(tableFiles(day(0)));
        for (DataFileRef f : files) {
            assertThat(Path.of(java.net.URI.create(f.path()))).doesNotExist();
        }
        table.refresh();
        Snapshot s = table.currentSnapshot();
        assertThat(s.summary())
                .containsEntry(WindowCommitter.WINDOW, day(0).path())
                .containsEntry(WindowCommitter.KIND, ReplacedFiles.COMPACTION)
                .containsEntry(WindowCompactor.REPLACED, "6")
                .containsEntry(WindowCommitter.FILES, "1");
        assertThat(s.summary().get("total-records")).isEqualTo(Long.toString(60 + 40));

        // Nothing left to do, and the small window stays as it is.
        assertThat(compactor.compact(day(0))).isEmpty();
        assertThat(compactor.compact(day(1))).isEmpty();
        assertThat(tableFiles(day(1))).hasSize(4);
    }

    @Test
    void filesACompactionReplacedAreNeverAppendedAgain() throws Exception {
        List<DataFileRef> files = commitFiles(0, 5);
        // Keep a copy of two replaced files, to put back as a crash after the commit would leave
        // them (deleted only after the commit).
        Path kept = Files.createDirectories(dir.resolve("kept"));
        List<Path> originals = new ArrayList<>();
        for (DataFileRef f : files.subList(0, 2)) {
            Path p = Path.of(java.net.URI.create(f.path()));
            Files.copy(p, kept.resolve(p.getFileName()));
            originals.add(p);
        }
        compactor.compact(day(0));
        long afterCompaction = snapshotId();

        // Committables of the replaced files replayed from an older checkpoint or savepoint.
        assertThat(committer.commitAll(Map.of(day(0), files), 9))
                .extracting(WindowCommitter.Result::snapshotId)
                .containsExactly(-1L);

        // Replaced files back on storage; reconciliation at start must not append them.
        for (Path p : originals) {
            Files.copy(kept.resolve(p.getFileName()), p);
        }
        new Reconciler(table, archive).commitMissing(w -> true, Reconciler.AT_START, null);
        assertThat(snapshotId()).isEqualTo(afterCompaction);
        assertThat(rowsInTable()).isEqualTo(50);

        // The next attempt at the window finishes the interrupted deletion.
        assertThat(compactor.compact(day(0))).isEmpty();
        for (Path p : originals) {
            assertThat(p).doesNotExist();
        }
        assertThat(directory(day(0))).containsExactlyElementsOf(tableFiles(day(0)));
    }

    @Test
    void outputOfACompactionThatDidNotCommitIsRemovedNotAppended() throws Exception {
        List<DataFileRef> files = commitFiles(0, 5);
        // A crash between writing the output and committing it: a compacted- file no snapshot
        // holds, beside the files it was to replace.
        Path orphan =
                Path.of(java.net.URI.create(files.get(0).path()))
                        .resolveSibling(WindowCompactor.OUTPUT_PREFIX + "crashed.parquet");
        Files.copy(Path.of(java.net.URI.create(files.get(0).path())), orphan);
        long before = snapshotId();

        new Reconciler(table, archive).commitMissing(w -> true, Reconciler.AT_START, null);

        assertThat(orphan).doesNotExist();
        assertThat(snapshotId()).isEqualTo(before);
        assertThat(rowsInTable()).isEqualTo(50);

        // The compactor removes such output itself as well, before it writes its own.
        Files.copy(Path.of(java.net.URI.create(files.get(1).path())), orphan);
        assertThat(compactor.compact(day(0))).isPresent();
        assertThat(orphan).doesNotExist();
        assertThat(rowsInTable()).isEqualTo(50);
        assertThat(directory(day(0))).containsExactlyElementsOf(tableFiles(day(0)));
    }

    @Test
    void aVerifiedWindowIsToBeVerifiedAgainAfterItsCompaction() throws Exception {
        commitFiles(0, 5);
        writeManifest(day(0), "VERIFIED");

        assertThat(compactor.compact(day(0))).isPresent();

        ManifestStore store = new ManifestStore(config.warehouse());
        assertThat(store.read(archive.id().toString(), day(0).path()).orElseThrow().state())
                .isEqualTo(io.permafrost.manifest.WindowState.COMMITTED);

        // A crash between the commit and that step: the next attempt catches up.
        writeManifest(day(0), "VERIFIED");
        assertThat(compactor.compact(day(0))).isEmpty();
        assertThat(store.read(archive.id().toString(), day(0).path()).orElseThrow().state())
                .isEqualTo(io.permafrost.manifest.WindowState.COMMITTED);

        // Verified again, after the compaction: it stays verified.
        table.refresh();
        List<Long> ids = new ArrayList<>();
        table.snapshots().forEach(s -> ids.add(s.snapshotId()));
        writeManifest(day(0), "VERIFIED", ids);
        assertThat(compactor.compact(day(0))).isEmpty();
        assertThat(store.read(archive.id().toString(), day(0).path()).orElseThrow().state())
                .isEqualTo(io.permafrost.manifest.WindowState.VERIFIED);
    }

    @Test
    void aWindowDeletedFromPostgresIsNotCompacted() throws Exception {
        commitFiles(0, 5);
        writeManifest(day(0), "DELETED");

        assertThat(compactor.compact(day(0))).isEmpty();
        assertThat(tableFiles(day(0))).hasSize(5);
    }

    /** A window manifest in {@code state}, as verify or delete would have left it. */
    private void writeManifest(Window w, String state) throws Exception {
        writeManifest(w, state, List.of());
    }

    private void writeManifest(Window w, String state, List<Long> snapshotIds) throws Exception {
        ManifestStore store = new ManifestStore(config.warehouse());
        Path local = Path.of(store.pathOf(archive.id().toString(), w.path()).toUri());
        Files.createDirectories(local.getParent());
        Files.writeString(
                local,
                "{\"formatVersion\": 1, \"table\": \""
                        + archive.id()
                        + "\", \"window\": \""
                        + w.path()
                        + "\", \"state\": \""
                        + state
                        + "\", \"snapshotIds\": "
                        + snapshotIds
                        + ", \"rows\": 50}");
    }

    /** Commits {@code n} files of 10 rows each to window {@code day}, in one snapshot. */
    private List<DataFileRef> commitFiles(int day, int n) throws Exception {
        List<DataFileRef> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            files.add(events.file(day, day * 1000L + i * 10L, 10));
        }
        committer.commitAll(Map.of(day(day), files), 1);
        return files;
    }

    private Window day(int n) {
        return events.day(n);
    }

    private List<Long> ids(Window w) throws Exception {
        table.refresh();
        List<Long> ids = new ArrayList<>();
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(table).where(WindowBounds.iceberg(archive, w)).build()) {
            rows.forEach(r -> ids.add((Long) r.getField("id")));
        }
        ids.sort(Long::compare);
        return ids;
    }

    private List<String> tableFiles(Window w) throws Exception {
        table.refresh();
        List<String> paths = new ArrayList<>();
        try (var tasks = table.newScan().filter(WindowBounds.iceberg(archive, w)).planFiles()) {
            tasks.forEach(t -> paths.add(Reconciler.normalized(t.file().location())));
        }
        paths.sort(String::compareTo);
        return paths;
    }

    /** The Parquet files a reader of the window's directory sees. */
    private List<String> directory(Window w) throws Exception {
        Path d = Path.of(java.net.URI.create(archive.dataLocation() + "/" + w.path()));
        try (Stream<Path> files = Files.list(d)) {
            List<String> names = new ArrayList<>();
            files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .forEach(
                            p ->
                                    names.add(
                                            Reconciler.normalized(
                                                    archive.dataLocation()
                                                            + "/"
                                                            + w.path()
                                                            + "/"
                                                            + p.getFileName())));
            names.sort(String::compareTo);
            return names;
        }
    }

    private long snapshotId() {
        table.refresh();
        return table.currentSnapshot().snapshotId();
    }

    private long rowsInTable() {
        return events.rowsInTable();
    }
}
