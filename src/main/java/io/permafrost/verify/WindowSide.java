package io.permafrost.verify;

import io.permafrost.schema.ArchiveTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One side of a window comparison (the archive or PostgreSQL): it can compute the window's {@link
 * WindowDigest} in one streaming pass, and list the rows of a few key buckets to explain a
 * mismatch. Rows are lists of Iceberg generic values in source column order.
 */
public abstract class WindowSide {

    protected final ArchiveTable table;
    protected final RowHasher hasher = new RowHasher();
    protected final RowKeys keys;

    protected WindowSide(ArchiveTable table) {
        this.table = table;
        this.keys = new RowKeys(table);
    }

    /** Streams the side's rows of the window to the consumer. */
    protected abstract void scan(RowConsumer consumer) throws Exception;

    /** Receives rows during a scan. */
    public interface RowConsumer {
        void accept(List<Object> row) throws Exception;
    }

    public WindowDigest digest() throws Exception {
        WindowDigest d = new WindowDigest();
        scan(row -> d.add(hasher.hash(row), keys.key(row), keys.windowValue(row)));
        return d;
    }

    /** Rows of the given key buckets: readable key → row hash (hex; "a+b" when a key repeats). */
    public Map<String, String> rowsIn(Set<Integer> buckets) throws Exception {
        Map<String, String> out = new TreeMap<>();
        scan(
                row -> {
                    if (buckets.contains(WindowDigest.bucketOf(keys.key(row)))) {
                        long[] h = hasher.hash(row);
                        out.merge(
                                keys.readable(row),
                                String.format("%016x%016x", h[0], h[1]),
                                (a, b) -> a + "+" + b);
                    }
                });
        return out;
    }
}
