package io.permafrost.source.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.Granularity;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import io.permafrost.schema.WindowColumnKind;
import io.permafrost.source.SchemaChange;
import io.permafrost.source.copy.BinaryValues;
import io.permafrost.source.copy.CopyRow;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.Test;

/** pgoutput messages, written byte by byte as PostgreSQL's proto.c writes them. */
class PgOutputDecoderTest {

    private static final TableId EVENTS = new TableId("public", "events");
    private static final TableId HEARTBEAT = new TableId("public", "permafrost_hb_s");
    private static final int INT8 = 20;
    private static final int TEXT = 25;
    private static final int TIMESTAMPTZ = 1184;

    /** The XLogData start of the messages decoded: one more for each. */
    private long messageLsn = 0x1_0000_0000L;

    private final PgOutputDecoder decoder =
            new PgOutputDecoder(
                    List.of(table()),
                    HEARTBEAT,
                    Map.of("public.events.id", INT8, "public.events.at", TIMESTAMPTZ));

    @Test
    void insertsAndUpdatesBecomeRowsOverTheMessageBytesDeletesAndOtherTablesDoNot()
            throws IOException {
        decode(relation(16384, "public", "events", "note", TEXT, "id", INT8, "at", TIMESTAMPTZ));
        decode(relation(16390, "public", "other", "id", INT8));
        assertThat(decode(begin(0x1_0000_0100L, 5_000_000L))).isNull();

        PgOutputDecoder.Row insert =
                (PgOutputDecoder.Row)
                        decode(change('I', 16384, 'N', text("hello"), int8(7), int8(1_000_000L)));
        assertThat(insert.txnLsn()).isEqualTo(0x1_0000_0100L);
        ChangeEvent e = insert.event();
        assertThat(e.table()).isZero();
        assertThat(e.commitMicros()).isEqualTo(5_000_000L + BinaryValues.PG_EPOCH_MICROS);
        CopyRow row = (CopyRow) e.row();
        // archive order (id, at, note), not the stream's (note, id, at)
        assertThat(row.getLong(0)).isEqualTo(7L);
        assertThat(row.getTimestamp(1, 6).toInstant().toEpochMilli())
                .isEqualTo(1_000L + BinaryValues.PG_EPOCH_MICROS / 1000);
        assertThat(row.getString(2).toString()).isEqualTo("hello");
        assertThat(row.getString(3).toString()).isEqualTo("c");
        assertThat(row.getLong(4)).as("the change's own LSN").isEqualTo(messageLsn);
        assertThat(row.isNullAt(5)).isFalse();
        assertThat(row.getTimestamp(5, 6).toInstant().toEpochMilli())
                .isEqualTo((5_000_000L + BinaryValues.PG_EPOCH_MICROS) / 1000);

        // an update whose note was not changed and is TOASTed: the old tuple holds it
        PgOutputDecoder.Row update =
                (PgOutputDecoder.Row)
                        decode(
                                update(
                                        16384,
                                        tuple(text("old note"), int8(7), int8(1L)),
                                        tuple(unchanged(), int8(7), nul())));
        CopyRow updated = (CopyRow) update.event().row();
        assertThat(updated.getString(2).toString()).isEqualTo("old note");
        assertThat(updated.isNullAt(1)).isTrue();
        assertThat(updated.getString(3).toString()).isEqualTo("u");
        assertThat(updated.lsn()).isEqualTo(messageLsn).isGreaterThan(row.lsn());

        assertThat(decode(change('D', 16384, 'K', nul(), int8(7), nul()))).isNull();
        assertThat(decode(change('I', 16390, 'N', int8(1)))).isNull();
        assertThat(decode(truncate(16384))).isNull();
        PgOutputDecoder.Commit commit =
                (PgOutputDecoder.Commit) decode(commit(0x1_0000_0100L, 0x1_0000_0180L));
        assertThat(commit.txnLsn()).isEqualTo(0x1_0000_0100L);
        assertThat(commit.endLsn()).isEqualTo(0x1_0000_0180L);
    }

    @Test
    void heartbeatTableChangesAreHeartbeatsAtTheCommitTime() throws IOException {
        decode(relation(16400, "public", "permafrost_hb_s", "slot", TEXT, "at", TIMESTAMPTZ));
        decode(begin(0x200L, 42L));
        PgOutputDecoder.Row hb =
                (PgOutputDecoder.Row) decode(change('I', 16400, 'N', text("s"), int8(1L)));
        assertThat(hb.event().isHeartbeat()).isTrue();
        assertThat(hb.event().commitMicros()).isEqualTo(42L + BinaryValues.PG_EPOCH_MICROS);
    }

    @Test
    void anUnchangedToastValueWithoutTheOldRowNamesTheFix() throws IOException {
        decode(relation(16384, "public", "events", "note", TEXT, "id", INT8, "at", TIMESTAMPTZ));
        decode(begin(0x300L, 0L));
        assertThatThrownBy(() -> decode(change('U', 16384, 'N', unchanged(), int8(1), nul())))
                .as("a restart reads the same WAL: the job fails at once")
                .isInstanceOf(SuppressRestartsException.class)
                .rootCause()
                .hasMessageContaining("column note of public.events")
                .hasMessageContaining("REPLICA IDENTITY FULL");
    }

    @Test
    void aColumnTheStreamLacksIsNullANewColumnOrARetypedOneStopsTheStream() throws IOException {
        // A change written before the archive's column existed (a run resumed from a checkpoint
        // older than the ALTER TABLE ... ADD COLUMN): the row had no value, so null.
        decode(relation(16384, "public", "events", "id", INT8, "at", TIMESTAMPTZ));
        decode(begin(0x300L, 0L));
        CopyRow row =
                (CopyRow)
                        ((PgOutputDecoder.Row) decode(change('I', 16384, 'N', int8(7), int8(1L))))
                                .event()
                                .row();
        assertThat(row.getLong(0)).isEqualTo(7L);
        assertThat(row.isNullAt(2)).as("note").isTrue();

        assertThatThrownBy(
                        () ->
                                decode(
                                        relation(
                                                16384,
                                                "public",
                                                "events",
                                                "note",
                                                TEXT,
                                                "id",
                                                INT8,
                                                "at",
                                                TIMESTAMPTZ,
                                                "score",
                                                23)))
                .isInstanceOf(SuppressRestartsException.class)
                .satisfies(e -> assertThat(SchemaChange.is(e)).isTrue())
                .rootCause()
                .hasMessageContaining("has a new column score");
        assertThatThrownBy(
                        () ->
                                decode(
                                        relation(
                                                16384,
                                                "public",
                                                "events",
                                                "note",
                                                TEXT,
                                                "id",
                                                23,
                                                "at",
                                                TIMESTAMPTZ)))
                .isInstanceOf(SuppressRestartsException.class)
                .rootCause()
                .hasMessageContaining("column id of public.events changed its type");
    }

    @Test
    void aTextValueOrATruncatedMessageIsRefused() throws IOException {
        decode(relation(16384, "public", "events", "note", TEXT, "id", INT8, "at", TIMESTAMPTZ));
        decode(begin(0x300L, 0L));
        byte[] text = change('I', 16384, 'N', textFormat("x"), int8(1), nul());
        assertThatThrownBy(() -> decode(text)).hasMessageContaining("text value");
        byte[] whole = change('I', 16384, 'N', text("x"), int8(1), nul());
        assertThatThrownBy(() -> decoder.decode(whole, 0, whole.length - 3, 1L))
                .hasMessageContaining("ends early");
    }

    @Test
    void aCommitOfAnotherTransactionIsRefused() throws IOException {
        decode(begin(0x300L, 0L));
        assertThatThrownBy(() -> decode(commit(0x400L, 0x480L)))
                .hasMessageContaining("commit at 0/400");
    }

    private PgOutputDecoder.Decoded decode(byte[] message) {
        // at an offset in a larger array, as pgjdbc hands messages over
        byte[] padded = new byte[message.length + 25];
        System.arraycopy(message, 0, padded, 25, message.length);
        return decoder.decode(padded, 25, message.length, ++messageLsn);
    }

    private static ArchiveTable table() {
        List<ColumnMapping> columns =
                List.of(
                        TypeMapping.map("events", new PgColumn("id", "int8", 'b', -1, false, true)),
                        TypeMapping.map(
                                "events", new PgColumn("at", "timestamptz", 'b', -1, false, false)),
                        TypeMapping.map(
                                "events", new PgColumn("note", "text", 'b', -1, false, false)));
        PermafrostConfig.Table config =
                new PermafrostConfig.Table(
                        EVENTS,
                        new WindowSpec.Time("at", Granularity.DAILY),
                        0L,
                        null,
                        List.of(),
                        0,
                        List.of());
        return new ArchiveTable(
                config,
                columns,
                ArchiveTables.desiredSchema(columns),
                "file:///tmp/unused",
                1,
                WindowColumnKind.TIMESTAMP,
                List.of());
    }

    // --- message writers (PostgreSQL's src/backend/replication/logical/proto.c) ---

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    /** Relation: name/type oid pairs. */
    private static byte[] relation(int oid, String schema, String name, Object... columns)
            throws IOException {
        return message(
                out -> {
                    out.writeByte('R');
                    out.writeInt(oid);
                    string(out, schema);
                    string(out, name);
                    out.writeByte('f');
                    out.writeShort(columns.length / 2);
                    for (int i = 0; i < columns.length; i += 2) {
                        out.writeByte(0);
                        string(out, (String) columns[i]);
                        out.writeInt((Integer) columns[i + 1]);
                        out.writeInt(-1);
                    }
                });
    }

    private static byte[] begin(long finalLsn, long commitMicrosSince2000) throws IOException {
        return message(
                out -> {
                    out.writeByte('B');
                    out.writeLong(finalLsn);
                    out.writeLong(commitMicrosSince2000);
                    out.writeInt(1234);
                });
    }

    private static byte[] commit(long commitLsn, long endLsn) throws IOException {
        return message(
                out -> {
                    out.writeByte('C');
                    out.writeByte(0);
                    out.writeLong(commitLsn);
                    out.writeLong(endLsn);
                    out.writeLong(0L);
                });
    }

    private static byte[] truncate(int oid) throws IOException {
        return message(
                out -> {
                    out.writeByte('T');
                    out.writeInt(1);
                    out.writeByte(0);
                    out.writeInt(oid);
                });
    }

    private static byte[] change(char type, int oid, char kind, byte[]... values)
            throws IOException {
        return message(
                out -> {
                    out.writeByte(type);
                    out.writeInt(oid);
                    out.writeByte(kind);
                    out.write(tuple(values));
                });
    }

    private static byte[] update(int oid, byte[] oldTuple, byte[] newTuple) throws IOException {
        return message(
                out -> {
                    out.writeByte('U');
                    out.writeInt(oid);
                    out.writeByte('O');
                    out.write(oldTuple);
                    out.writeByte('N');
                    out.write(newTuple);
                });
    }

    private static byte[] tuple(byte[]... values) throws IOException {
        return message(
                out -> {
                    out.writeShort(values.length);
                    for (byte[] v : values) {
                        out.write(v);
                    }
                });
    }

    private static byte[] binary(byte[] value) throws IOException {
        return message(
                out -> {
                    out.writeByte('b');
                    out.writeInt(value.length);
                    out.write(value);
                });
    }

    private static byte[] int8(long v) throws IOException {
        return binary(message(out -> out.writeLong(v)));
    }

    private static byte[] text(String s) throws IOException {
        return binary(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] textFormat(String s) throws IOException {
        return message(
                out -> {
                    out.writeByte('t');
                    out.writeInt(s.length());
                    out.write(s.getBytes(StandardCharsets.UTF_8));
                });
    }

    private static byte[] nul() {
        return new byte[] {'n'};
    }

    private static byte[] unchanged() {
        return new byte[] {'u'};
    }
}
