package io.permafrost.source.copy;

import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;

/**
 * Decodes the tuples of one binary COPY into archived rows: the columns, then {@code _op = r},
 * {@code _lsn = 0} and no commit time, exactly as snapshot rows of the CDC reader.
 */
final class CopyRowDecoder {

    /** "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length. */
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', -1, '\r', '\n', 0};

    private final ArchiveTable table;
    private final List<ColumnMapping> columns;
    private final StringData snapshotOp = StringData.fromString("r");
    private boolean headerSeen;

    CopyRowDecoder(ArchiveTable table) {
        this.table = table;
        this.columns = table.columns();
    }

    /** What {@link #decode} found in one COPY message. */
    interface Sink {
        void row(GenericRowData row);
    }

    /**
     * Decodes one CopyData message: the first starts with the file header; each carries whole
     * tuples; the last holds the trailer (-1).
     */
    void decode(byte[] msg, Sink sink) {
        int p = 0;
        if (!headerSeen) {
            for (int i = 0; i < SIGNATURE.length; i++) {
                if (msg[i] != SIGNATURE[i]) {
                    throw new IllegalStateException("not a binary COPY stream");
                }
            }
            p = SIGNATURE.length + 4;
            p += 4 + BinaryValues.int32(msg, p);
            headerSeen = true;
        }
        while (p < msg.length) {
            int fields = (short) BinaryValues.int16(msg, p);
            p += 2;
            if (fields == -1) {
                return;
            }
            if (fields != columns.size()) {
                throw new IllegalStateException(
                        "COPY of "
                                + table.id()
                                + " returned "
                                + fields
                                + " columns, expected "
                                + columns.size());
            }
            GenericRowData row = new GenericRowData(table.arity());
            for (int i = 0; i < fields; i++) {
                int len = BinaryValues.int32(msg, p);
                p += 4;
                if (len >= 0) {
                    ColumnMapping m = columns.get(i);
                    try {
                        row.setField(i, BinaryValues.decode(m, msg, p, len));
                    } catch (RuntimeException e) {
                        throw new IllegalStateException(
                                "cannot archive "
                                        + table.id()
                                        + "."
                                        + m.column().name()
                                        + ": "
                                        + e.getMessage(),
                                e);
                    }
                    p += len;
                }
            }
            row.setField(table.opIndex(), snapshotOp);
            row.setField(table.lsnIndex(), 0L);
            sink.row(row);
        }
    }
}
