package io.permafrost.source.copy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * What the split enumerator checkpoints: whether the splits were planned, and those not yet
 * assigned to a reader. Splits a reader holds are in that reader's state.
 */
public record CopyEnumeratorState(boolean planned, List<CopySplit> unassigned) {

    public static final CopyEnumeratorState INITIAL = new CopyEnumeratorState(false, List.of());

    /** Version 1: planned flag, count, splits as {@link CopySplit.Serializer} writes them. */
    public static final class Serializer implements SimpleVersionedSerializer<CopyEnumeratorState> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(CopyEnumeratorState state) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeBoolean(state.planned());
                out.writeInt(state.unassigned().size());
                for (CopySplit s : state.unassigned()) {
                    CopySplit.Serializer.write(s, out);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public CopyEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
            CopySplit.Serializer.checkVersion(version);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                boolean planned = in.readBoolean();
                int n = in.readInt();
                List<CopySplit> splits = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    splits.add(CopySplit.Serializer.read(in));
                }
                return new CopyEnumeratorState(planned, splits);
            }
        }
    }
}
