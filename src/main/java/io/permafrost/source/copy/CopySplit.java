package io.permafrost.source.copy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A range of heap blocks of one relation (a table or a leaf partition) of archived table number
 * {@code table}, read by one binary COPY.
 *
 * @param relation the relation's quoted, schema-qualified name
 * @param firstBlock the first block read
 * @param endBlock the block the range ends before; -1 for the relation's end (its last split also
 *     reads blocks added after the split was planned)
 */
public record CopySplit(String id, int table, String relation, long firstBlock, long endBlock)
        implements SourceSplit {

    @Override
    public String splitId() {
        return id;
    }

    /** Version 1: id, table, relation, first block, end block. */
    public static final class Serializer implements SimpleVersionedSerializer<CopySplit> {

        public static final Serializer INSTANCE = new Serializer();

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(CopySplit split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                write(split, out);
            }
            return bytes.toByteArray();
        }

        @Override
        public CopySplit deserialize(int version, byte[] serialized) throws IOException {
            checkVersion(version);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return read(in);
            }
        }

        static void write(CopySplit split, DataOutputStream out) throws IOException {
            out.writeUTF(split.id());
            out.writeInt(split.table());
            out.writeUTF(split.relation());
            out.writeLong(split.firstBlock());
            out.writeLong(split.endBlock());
        }

        static CopySplit read(DataInputStream in) throws IOException {
            return new CopySplit(
                    in.readUTF(), in.readInt(), in.readUTF(), in.readLong(), in.readLong());
        }

        static void checkVersion(int version) throws IOException {
            if (version != 1) {
                throw new IOException(
                        "snapshot split state of version "
                                + version
                                + " was written by a newer Permafrost; this one reads version 1");
            }
        }
    }
}
