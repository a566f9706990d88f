package io.permafrost.verify;

import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.model.TableId;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.WindowBounds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;

/** What an archive's Iceberg table says about its windows: snapshots, files, LSN ranges. */
public final class ArchiveCatalogView {

    private ArchiveCatalogView() {}

    /** Every committed window of the table, by window path, in commit order. */
    public static Map<String, CommittedWindow> windows(ArchiveTable at, Table table) {
        return windows(at.id(), table);
    }

    /** The same, for commands that resolve the Iceberg table without the database. */
    public static Map<String, CommittedWindow> windows(TableId id, Table table) {
        table.refresh();
        Map<String, List<Long>> ids = new LinkedHashMap<>();
        Map<String, Long> firstAt = new LinkedHashMap<>();
        if (table.currentSnapshot() == null) {
            return Map.of();
        }
        List<Snapshot> chain = new ArrayList<>();
        SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)
                .forEach(chain::add);
        for (int i = chain.size() - 1; i >= 0; i--) {
            Snapshot s = chain.get(i);
            String w = s.summary().get(WindowCommitter.WINDOW);
            if (w != null) {
                ids.computeIfAbsent(w, k -> new ArrayList<>()).add(s.snapshotId());
                firstAt.putIfAbsent(w, s.timestampMillis());
            }
        }
        Map<String, CommittedWindow> out = new LinkedHashMap<>();
        ids.forEach(
                (w, list) ->
                        out.put(
                                w,
                                new CommittedWindow(
                                        id.toString(), w, new ArrayList<>(list), firstAt.get(w))));
        return out;
    }

    /** The window's files at a snapshot, and the range of {@code _lsn} their statistics give. */
    public record Files(List<WindowManifest.FileEntry> files, Long lsnMin, Long lsnMax) {}

    public static Files files(ArchiveTable at, Table table, Window window, long snapshotId) {
        int lsnField = table.schema().findField(ArchiveTable.LSN).fieldId();
        List<WindowManifest.FileEntry> files = new ArrayList<>();
        Long min = null;
        Long max = null;
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan()
                        .useSnapshot(snapshotId)
                        .filter(WindowBounds.iceberg(at, window))
                        .includeColumnStats()
                        .planFiles()) {
            for (FileScanTask t : tasks) {
                DataFile f = t.file();
                files.add(
                        new WindowManifest.FileEntry(
                                f.location(), f.fileSizeInBytes(), f.recordCount()));
                Long lo = bound(f.lowerBounds(), lsnField);
                Long hi = bound(f.upperBounds(), lsnField);
                if (lo != null) {
                    min = min == null ? lo : Math.min(min, lo);
                }
                if (hi != null) {
                    max = max == null ? hi : Math.max(max, hi);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Files(files, min, max);
    }

    private static Long bound(Map<Integer, ByteBuffer> bounds, int field) {
        if (bounds == null || bounds.get(field) == null) {
            return null;
        }
        return Conversions.fromByteBuffer(Types.LongType.get(), bounds.get(field));
    }
}
