package io.permafrost.source.copy;

import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;

/**
 * Reads the tuples of one binary COPY into archived rows ({@link CopyRow}): the columns, then
 * {@code _op = r}, {@code _lsn = 0} and no commit time, exactly as snapshot rows of the CDC reader.
 * Every value is checked here, so a value an archived column cannot hold fails the read, naming the
 * column, before anything is written.
 */
public final class CopyRowDecoder {

    /** "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length. */
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', -1, '\r', '\n', 0};

    private final ArchiveTable table;
    private final ColumnMapping[] columns;
    private final boolean withXmin;
    private boolean headerSeen;

    public CopyRowDecoder(ArchiveTable table) {
        this(table, false);
    }

    /**
     * @param withXmin the COPY has one more column, the tuple's {@code xmin} ({@code xid})
     */
    public CopyRowDecoder(ArchiveTable table, boolean withXmin) {
        this.table = table;
        this.columns = CopyRow.columnsOf(table);
        this.withXmin = withXmin;
    }

    /** What {@link #decode} found in one COPY message. */
    public interface Sink {
        /**
         * @param xmin the tuple's {@code xmin} (unsigned 32 bits), or -1 when not read
         */
        void row(CopyRow row, long xmin);
    }

    /**
     * Decodes one CopyData message: the first starts with the file header; each carries whole
     * tuples; the last holds the trailer (-1). The rows keep {@code msg}, which must not change.
     */
    public void decode(byte[] msg, Sink sink) {
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
            if (fields != columns.length + (withXmin ? 1 : 0)) {
                throw new IllegalStateException(
                        "COPY of "
                                + table.id()
                                + " returned "
                                + fields
                                + " columns, expected "
                                + (columns.length + (withXmin ? 1 : 0)));
            }
            int[] offsets = new int[columns.length];
            for (int i = 0; i < columns.length; i++) {
                int len = BinaryValues.int32(msg, p);
                p += 4;
                if (len < 0) {
                    offsets[i] = -1;
                } else {
                    ColumnMapping m = columns[i];
                    offsets[i] = p;
                    BinaryValues.checkColumn(table.id(), m, msg, p, len);
                    p += len;
                }
            }
            long xmin = -1;
            if (withXmin) {
                if (BinaryValues.int32(msg, p) != 4) {
                    throw new IllegalStateException("COPY of " + table.id() + ": xmin is no xid");
                }
                xmin = BinaryValues.int32(msg, p + 4) & 0xFFFF_FFFFL;
                p += 8;
            }
            sink.row(new CopyRow(columns, msg, offsets), xmin);
        }
    }
}
