package io.permafrost.verify;

import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The key and the window value of a row of Iceberg generic values in source column order. */
public final class RowKeys {

    private final ArchiveTable table;
    private final RowHasher hasher = new RowHasher();
    private final int[] keyIndexes;

    public RowKeys(ArchiveTable table) {
        this.table = table;
        List<ColumnMapping> cols = table.columns();
        keyIndexes = new int[table.keyColumns().size()];
        for (int k = 0; k < keyIndexes.length; k++) {
            String name = table.keyColumns().get(k);
            for (int i = 0; i < cols.size(); i++) {
                if (cols.get(i).column().name().equals(name)) {
                    keyIndexes[k] = i;
                }
            }
        }
    }

    /** The canonical bytes of the row's key. */
    public byte[] key(List<Object> row) {
        List<Object> key = new ArrayList<>(keyIndexes.length);
        for (int i : keyIndexes) {
            key.add(row.get(i));
        }
        return hasher.encode(key);
    }

    /** The key as a person reads it, e.g. {@code id=42} or {@code data_item_id=\x0a1b}. */
    public String readable(List<Object> row) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < keyIndexes.length; k++) {
            Object v = row.get(keyIndexes[k]);
            String text = v instanceof ByteBuffer b ? "\\x" + hex(b) : String.valueOf(v);
            parts.add(table.keyColumns().get(k) + "=" + text);
        }
        return String.join(",", parts);
    }

    public long windowValue(List<Object> row) {
        return normalize(row.get(table.windowColumn()));
    }

    /** A window column value in the window's unit (µs since the epoch, or the integer). */
    public static long normalize(Object v) {
        if (v instanceof OffsetDateTime t) {
            return t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
        }
        if (v instanceof LocalDateTime t) {
            return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1000;
        }
        if (v instanceof LocalDate d) {
            return d.toEpochDay() * 86_400_000_000L;
        }
        return ((Number) v).longValue();
    }

    private static String hex(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
