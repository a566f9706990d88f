package io.permafrost.source.wal;

import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.source.Lsn;
import io.permafrost.source.PermanentError;
import io.permafrost.source.SchemaChange;
import io.permafrost.source.copy.BinaryValues;
import io.permafrost.source.copy.CopyRow;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the messages of PostgreSQL's {@code pgoutput} plugin (protocol version 1, {@code binary}
 * values, as PostgreSQL 14 and later send them) into what the archive needs: inserted and updated
 * rows of the archived tables as {@link CopyRow}s over the message's own bytes (the values are the
 * same {@code *_send} bytes a binary COPY carries), changes of the heartbeat table as heartbeats,
 * and each transaction's end. Deletes and truncates are not archived, like the Flink CDC reader's.
 *
 * <p>One decoder per replication stream; not thread-safe. It learns each table's columns from the
 * stream's Relation messages, which PostgreSQL sends before a table's first change and after every
 * change of its definition.
 */
final class PgOutputDecoder {

    private final List<ArchiveTable> tables;
    private final TableId heartbeatTable;
    private final Map<Integer, Relation> relations = new HashMap<>();
    private final Map<String, Integer> tableIndex = new HashMap<>();
    private final Map<String, Integer> typeOids;
    private long txnLsn;
    private long commitMicros;

    /** A decoded message that matters to the archive. */
    sealed interface Decoded permits Row, Commit {}

    /** A row event of the transaction whose commit record is at {@code txnLsn}. */
    record Row(long txnLsn, ChangeEvent event) implements Decoded {}

    /**
     * The end of the transaction whose commit record is at {@code txnLsn}; streaming from {@code
     * endLsn} on starts with the next transaction.
     */
    record Commit(long txnLsn, long endLsn) implements Decoded {}

    /**
     * A table as the stream describes it, mapped onto the archive's columns.
     *
     * @param archived the archive's columns of the table, null unless it is archived
     * @param archivePos per stream column, its position among {@code archived}, or -1
     */
    private record Relation(
            int table,
            boolean heartbeat,
            String name,
            int columns,
            ColumnMapping[] archived,
            int[] archivePos) {}

    /**
     * @param typeOids per archived column ({@code schema.table.column}), the type it had when the
     *     job planned the table: a column whose type changed since cannot be decoded as planned
     */
    PgOutputDecoder(
            List<ArchiveTable> tables, TableId heartbeatTable, Map<String, Integer> typeOids) {
        this.tables = List.copyOf(tables);
        this.heartbeatTable = heartbeatTable;
        this.typeOids = Map.copyOf(typeOids);
        for (int i = 0; i < tables.size(); i++) {
            tableIndex.put(tables.get(i).id().toString(), i);
        }
    }

    /**
     * Decodes one message, {@code b[off..off+len)}. Rows keep {@code b}, which must not change
     * afterwards. Returns null for messages that carry nothing for the archive.
     *
     * @param lsn the message's WAL position (the XLogData start): for a change, the LSN of its
     *     record, which becomes the row's {@code _lsn}, as Debezium's {@code source.lsn} does
     */
    Decoded decode(byte[] b, int off, int len, long lsn) {
        Reader r = new Reader(b, off, off + len);
        char type = (char) r.byte1();
        switch (type) {
            case 'B':
                txnLsn = r.int64();
                commitMicros = r.int64() + BinaryValues.PG_EPOCH_MICROS;
                return null;
            case 'C':
                {
                    r.byte1(); // flags
                    long commitLsn = r.int64();
                    long endLsn = r.int64();
                    if (commitLsn != txnLsn) {
                        throw new IllegalStateException(
                                "pgoutput: commit at "
                                        + Lsn.format(commitLsn)
                                        + " ends a transaction that began for "
                                        + Lsn.format(txnLsn));
                    }
                    return new Commit(commitLsn, endLsn);
                }
            case 'R':
                relation(r);
                return null;
            case 'I':
                {
                    Relation rel = relation(r.int32());
                    expect(r, 'N', "insert");
                    return row(rel, r, 'c', null, lsn);
                }
            case 'U':
                {
                    Relation rel = relation(r.int32());
                    char next = (char) r.byte1();
                    int[] old = null;
                    if (next == 'K' || next == 'O') {
                        old = tuple(rel, r, null, next == 'O');
                        next = (char) r.byte1();
                    }
                    if (next != 'N') {
                        throw new IllegalStateException(
                                "pgoutput: update without a new tuple ('" + next + "')");
                    }
                    return row(rel, r, 'u', old, lsn);
                }
            case 'D', 'T', 'Y', 'O', 'M':
                return null; // deletes and truncates are not archived; types, origins, messages
            default:
                throw new IllegalStateException(
                        "pgoutput: unexpected message '"
                                + type
                                + "' (this reader asks for protocol version 1)");
        }
    }

    private static void expect(Reader r, char wanted, String what) {
        char c = (char) r.byte1();
        if (c != wanted) {
            throw new IllegalStateException(
                    "pgoutput: " + what + " with '" + c + "' where '" + wanted + "' belongs");
        }
    }

    private Relation relation(int oid) {
        Relation rel = relations.get(oid);
        if (rel == null) {
            throw new IllegalStateException(
                    "pgoutput: a change of relation " + oid + " before its description");
        }
        return rel;
    }

    private void relation(Reader r) {
        int oid = r.int32();
        String schema = r.string();
        String name = r.string();
        TableId id = new TableId(schema.isEmpty() ? "pg_catalog" : schema, name);
        r.byte1(); // replica identity
        int n = r.int16();
        String[] names = new String[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            r.byte1(); // flags
            names[i] = r.string();
            types[i] = r.int32();
            r.int32(); // type modifier
        }
        Integer t = tableIndex.get(id.toString());
        if (id.equals(heartbeatTable)) {
            relations.put(oid, new Relation(-1, true, id.toString(), n, null, null));
        } else if (t == null) {
            relations.put(oid, new Relation(-1, false, id.toString(), n, null, null));
        } else {
            ArchiveTable at = tables.get(t);
            List<ColumnMapping> columns = at.columns();
            int[] archivePos = new int[n];
            java.util.Arrays.fill(archivePos, -1);
            boolean[] ignored = new boolean[n];
            for (int c = 0; c < columns.size(); c++) {
                String col = columns.get(c).column().name();
                int found = -1;
                for (int i = 0; i < n; i++) {
                    if (names[i].equals(col)) {
                        found = i;
                    }
                }
                if (columns.get(c).retired() && found >= 0) {
                    // A Relation message has no WAL position of its own: its transaction's
                    // commit position tells (the column's DROP waited for every writer before it)
                    if (!at.config().excludeColumns().contains(col)
                            && at.retiredColumnAddedAgain(txnLsn)) {
                        throw SchemaChange.newColumn(id, col); // dropped, and added again since
                    }
                    // Archived once and now left out, or a change written before the column was
                    // dropped (resumed from an older checkpoint): its value is not archived.
                    ignored[found] = true;
                    continue;
                }
                if (found < 0) {
                    // A change written before the column was added (a run resumed from a
                    // checkpoint older than its ALTER TABLE), or after it was dropped: the row
                    // has no such value.
                    continue;
                }
                Integer planned = typeOids.get(id + "." + col);
                if (planned != null && planned != types[found]) {
                    throw PermanentError.of(
                            "column "
                                    + col
                                    + " of "
                                    + id
                                    + " changed its type (oid "
                                    + planned
                                    + " when the job started, "
                                    + types[found]
                                    + " in the change stream); restart Permafrost to re-read the"
                                    + " table definition");
                }
                archivePos[found] = c;
            }
            for (int i = 0; i < n; i++) {
                if (archivePos[i] < 0
                        && !ignored[i]
                        && !at.config().excludeColumns().contains(names[i])) {
                    throw SchemaChange.newColumn(id, names[i]);
                }
            }
            relations.put(
                    oid,
                    new Relation(t, false, id.toString(), n, CopyRow.columnsOf(at), archivePos));
        }
    }

    private Decoded row(Relation rel, Reader r, char op, int[] old, long lsn) {
        if (rel.heartbeat()) {
            return new Row(txnLsn, ChangeEvent.heartbeat(commitMicros));
        }
        if (rel.table() < 0) {
            return null; // a table of the publication this job does not archive
        }
        ArchiveTable at = tables.get(rel.table());
        int[] offsets = tuple(rel, r, old, true);
        ColumnMapping[] columns = rel.archived();
        for (int c = 0; c < columns.length; c++) {
            int o = offsets[c];
            if (o >= 0) {
                BinaryValues.checkColumn(
                        at.id(), columns[c], r.b, o, BinaryValues.int32(r.b, o - 4));
            }
        }
        CopyRow row = new CopyRow(columns, r.b, offsets, op, lsn, commitMicros);
        return new Row(txnLsn, new ChangeEvent(rel.table(), row, commitMicros));
    }

    /**
     * Reads TupleData. Returns, per archived column, the offset of its value, -1 for NULL; an
     * unchanged TOAST value takes the old tuple's ({@code old}), if the stream sent one.
     */
    private int[] tuple(Relation rel, Reader r, int[] old, boolean archived) {
        int n = r.int16();
        if (n != rel.columns()) {
            throw new IllegalStateException(
                    "pgoutput: a tuple of "
                            + rel.name()
                            + " with "
                            + n
                            + " columns, described with "
                            + rel.columns());
        }
        int[] offsets = archived && rel.archived() != null ? new int[rel.archived().length] : null;
        if (offsets != null) {
            java.util.Arrays.fill(offsets, -1); // archived columns the stream does not have: null
        }
        for (int i = 0; i < n; i++) {
            char kind = (char) r.byte1();
            int pos = offsets == null ? -1 : rel.archivePos()[i];
            switch (kind) {
                case 'n':
                    if (pos >= 0) {
                        offsets[pos] = -1;
                    }
                    break;
                case 'u':
                    if (pos >= 0) {
                        if (old == null || old[pos] < 0) {
                            throw PermanentError.of(
                                    "column "
                                            + tables.get(rel.table())
                                                    .columns()
                                                    .get(pos)
                                                    .column()
                                                    .name()
                                            + " of "
                                            + rel.name()
                                            + " arrived as an unchanged-TOAST placeholder; the table"
                                            + " needs REPLICA IDENTITY FULL so updates carry every"
                                            + " value (a partitioned table: on each partition, a"
                                            + " partition created since the job started too;"
                                            + " PostgreSQL does not pass it down)");
                        }
                        offsets[pos] = old[pos];
                    }
                    break;
                case 'b':
                    {
                        int len = r.int32();
                        if (pos >= 0) {
                            offsets[pos] = r.p;
                        }
                        r.skip(len);
                        break;
                    }
                case 't':
                    throw new IllegalStateException(
                            "pgoutput sent a text value of "
                                    + rel.name()
                                    + " where binary values were asked for");
                default:
                    throw new IllegalStateException("pgoutput: unknown tuple value '" + kind + "'");
            }
        }
        return offsets;
    }

    /** Big-endian reads over one message. */
    private static final class Reader {
        final byte[] b;
        int p;
        final int end;

        Reader(byte[] b, int p, int end) {
            this.b = b;
            this.p = p;
            this.end = end;
        }

        private void need(int n) {
            if (p + n > end) {
                throw new IllegalStateException("pgoutput: message ends early");
            }
        }

        int byte1() {
            need(1);
            return b[p++] & 0xff;
        }

        int int16() {
            need(2);
            int v = BinaryValues.int16(b, p);
            p += 2;
            return v;
        }

        int int32() {
            need(4);
            int v = BinaryValues.int32(b, p);
            p += 4;
            return v;
        }

        long int64() {
            need(8);
            long v = BinaryValues.int64(b, p);
            p += 8;
            return v;
        }

        void skip(int n) {
            need(n);
            p += n;
        }

        String string() {
            int start = p;
            while (p < end && b[p] != 0) {
                p++;
            }
            need(1);
            String s = new String(b, start, p - start, StandardCharsets.UTF_8);
            p++;
            return s;
        }
    }
}
