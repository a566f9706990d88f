package io.permafrost.verify;

import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.WindowBounds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The window's state in the archive, read through the Iceberg table at one snapshot (so exactly the
 * committed files): per key, the row version with the highest {@code _lsn}. Memory is bounded by
 * the number of keys with several versions, not by the window's size: a first pass collects the
 * newest LSN of keys with a later version ({@link ArchiveTable#mayReplace}), the second skips their
 * older versions.
 */
public final class ArchiveSide extends WindowSide {

    private final Table iceberg;
    private final Window window;
    private final long snapshotId;

    public ArchiveSide(ArchiveTable table, Table iceberg, Window window, long snapshotId) {
        super(table);
        this.iceberg = iceberg;
        this.window = window;
        this.snapshotId = snapshotId;
    }

    @Override
    protected void scan(RowConsumer consumer) throws Exception {
        Map<ByteBuffer, Long> newest = new HashMap<>();
        read(
                r -> {
                    if (ArchiveTable.mayReplace(
                            r.getField(ArchiveTable.OP), r.getField(ArchiveTable.LSN))) {
                        newest.merge(
                                ByteBuffer.wrap(keys.key(values(r))),
                                (Long) r.getField(ArchiveTable.LSN),
                                Math::max);
                    }
                });
        read(
                r -> {
                    List<Object> row = values(r);
                    Long latest = newest.get(ByteBuffer.wrap(keys.key(row)));
                    if (latest == null || latest.equals(r.getField(ArchiveTable.LSN))) {
                        consumer.accept(row);
                    }
                });
    }

    private interface RecordConsumer {
        void accept(Record r) throws Exception;
    }

    private void read(RecordConsumer consumer) throws Exception {
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(iceberg)
                        .useSnapshot(snapshotId)
                        .where(WindowBounds.iceberg(table, window))
                        .build()) {
            int windowColumn = table.windowColumn();
            for (Record r : records) {
                long v = RowKeys.normalize(r.get(windowColumn));
                if (v >= window.start() && v < window.end()) {
                    consumer.accept(r);
                }
            }
        }
    }

    /** The row's archived values; null for a retired column, which the source cannot show. */
    private List<Object> values(Record r) {
        List<ColumnMapping> columns = table.columns();
        List<Object> row = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            row.add(columns.get(i).retired() ? null : r.get(i));
        }
        return row;
    }
}
