package io.permafrost.iceberg;

import java.io.IOException;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Versioned binary form of {@link CommitterState}. Version 2 added the windows to compact; version
 * 1 (without them) is still read.
 */
final class CommitterStateSerializer implements SimpleVersionedSerializer<CommitterState> {

    static final CommitterStateSerializer INSTANCE = new CommitterStateSerializer();

    static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(CommitterState s) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(s.watermarkAtCheckpoint.size());
        for (Map.Entry<Long, Long> e : s.watermarkAtCheckpoint.entrySet()) {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue());
        }
        out.writeInt(s.progress.size());
        for (Map.Entry<Long, CommitterState.Progress> e : s.progress.entrySet()) {
            CommitterState.Progress p = e.getValue();
            out.writeLong(e.getKey());
            out.writeInt(p.numberOfSubtasks);
            out.writeLong(p.expected);
            out.writeLong(p.received);
            out.writeInt(p.summariesSeen.size());
            for (int subtask : p.summariesSeen) {
                out.writeInt(subtask);
            }
        }
        out.writeInt(s.pending.size());
        for (DataFileRef f : s.pending.values()) {
            out.writeUTF(f.window());
            out.writeUTF(f.path());
            out.writeLong(f.size());
            out.writeLong(f.checkpointId());
        }
        out.writeInt(s.toCompact.size());
        for (Map.Entry<String, Long> e : s.toCompact.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public CommitterState deserialize(int version, byte[] bytes) throws IOException {
        if (version != 1 && version != VERSION) {
            throw new IOException(
                    "Unrecognized version "
                            + version
                            + " of the window committer state (this build reads "
                            + VERSION
                            + "); restore with the Permafrost version that wrote the checkpoint");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        CommitterState s = new CommitterState();
        for (int i = in.readInt(); i > 0; i--) {
            s.watermarkAtCheckpoint.put(in.readLong(), in.readLong());
        }
        for (int i = in.readInt(); i > 0; i--) {
            CommitterState.Progress p = s.progress(in.readLong());
            p.numberOfSubtasks = in.readInt();
            p.expected = in.readLong();
            p.received = in.readLong();
            for (int j = in.readInt(); j > 0; j--) {
                p.summariesSeen.add(in.readInt());
            }
        }
        for (int i = in.readInt(); i > 0; i--) {
            DataFileRef f =
                    new DataFileRef(in.readUTF(), in.readUTF(), in.readLong(), in.readLong());
            s.pending.put(f.path(), f);
        }
        if (version >= 2) {
            for (int i = in.readInt(); i > 0; i--) {
                s.toCompact.put(in.readUTF(), in.readLong());
            }
        }
        return s;
    }
}
