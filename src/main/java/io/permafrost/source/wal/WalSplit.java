package io.permafrost.source.wal;

import io.permafrost.source.Lsn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The one split of a slot's change stream: where to resume it. Transactions arrive whole and in
 * commit order, so a position is the end of the last transaction whose every event went out ({@code
 * resumeLsn}, where streaming restarts) plus how many events of the next one, the transaction
 * committed at {@code txnLsn}, went out too: a restore skips exactly those.
 *
 * @param resumeLsn where streaming (re)starts: the slot's consistent point, then the end of the
 *     last transaction emitted whole
 * @param txnLsn the commit LSN of the transaction partly emitted, or 0
 * @param emitted how many events of that transaction were emitted
 */
public record WalSplit(long resumeLsn, long txnLsn, int emitted) implements SourceSplit {

    static final String ID = "wal";

    @Override
    public String splitId() {
        return ID;
    }

    @Override
    public String toString() {
        return "WalSplit[resume "
                + Lsn.format(resumeLsn)
                + (txnLsn == 0 ? "" : ", " + emitted + " events of " + Lsn.format(txnLsn))
                + "]";
    }

    /** Version 1: resumeLsn, txnLsn (int64), emitted (int32). */
    static final class Serializer implements SimpleVersionedSerializer<WalSplit> {

        static final Serializer INSTANCE = new Serializer();

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(WalSplit split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(20);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(split.resumeLsn());
                out.writeLong(split.txnLsn());
                out.writeInt(split.emitted());
            }
            return bytes.toByteArray();
        }

        @Override
        public WalSplit deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown WAL split version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return new WalSplit(in.readLong(), in.readLong(), in.readInt());
            }
        }
    }
}
