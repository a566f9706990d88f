package io.permafrost.source.wal;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ArchivedWindows;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.copy.CopySnapshotSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.base.source.hybrid.HybridSource;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The change stream of a continuous run's slot, read by Permafrost itself with {@code pgoutput}'s
 * binary values (PostgreSQL 14+) instead of through Debezium. {@link #withSnapshot} puts it behind
 * the binary COPY read of the snapshot the slot exports as it is created: that is the whole source
 * of a run with {@code source.stream_reader: pgoutput}.
 */
public final class WalSource
        implements Source<ChangeEvent, WalSplit, WalSource.EnumeratorState>,
                ResultTypeQueryable<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private final PermafrostConfig.Source source;
    private final String slot;
    private final List<ArchiveTable> tables;
    private final TableId heartbeatTable;

    /** Where a new stream starts; -1 when this source only restores. */
    private final long startLsn;

    WalSource(
            PermafrostConfig.Source source,
            String slot,
            List<ArchiveTable> tables,
            TableId heartbeatTable,
            long startLsn) {
        this.source = source;
        this.slot = slot;
        this.tables = List.copyOf(tables);
        this.heartbeatTable = heartbeatTable;
        this.startLsn = startLsn;
    }

    /**
     * The source of a continuous run: the slot is created with an exported snapshot, the snapshot
     * is read with binary COPY, then the slot is streamed from its consistent point.
     *
     * @param archived per table, the windows already archived (see {@link CopySnapshotSource})
     */
    public static HybridSource<ChangeEvent> withSnapshot(
            PermafrostConfig.Source source,
            String slot,
            List<ArchiveTable> tables,
            List<ArchivedWindows> archived,
            TableId heartbeatTable) {
        List<ArchiveTable> copy = List.copyOf(tables);
        return HybridSource.<ChangeEvent, SplitEnumerator<?, ?>>builder(
                        new CopySnapshotSource(source, copy, slot, archived))
                .addSource(
                        switched -> {
                            Object previous = switched.getPreviousEnumerator();
                            long start =
                                    previous == null
                                            ? -1 // restoring: the split holds the position
                                            : CopySnapshotSource.consistentPoint(previous);
                            return new WalSource(source, slot, copy, heartbeatTable, start);
                        },
                        Boundedness.CONTINUOUS_UNBOUNDED)
                .build();
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<ChangeEvent, WalSplit> createReader(SourceReaderContext context) {
        return WalSourceReader.create(source, slot, tables, heartbeatTable, context);
    }

    @Override
    public SplitEnumerator<WalSplit, EnumeratorState> createEnumerator(
            SplitEnumeratorContext<WalSplit> context) {
        if (startLsn < 0) {
            throw new IllegalStateException("the WAL source of a restored run has no state");
        }
        return new WalEnumerator(context, new WalSplit(startLsn, 0, 0));
    }

    @Override
    public SplitEnumerator<WalSplit, EnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<WalSplit> context, EnumeratorState state) {
        return new WalEnumerator(context, state.unassigned());
    }

    @Override
    public SimpleVersionedSerializer<WalSplit> getSplitSerializer() {
        return WalSplit.Serializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<EnumeratorState> getEnumeratorCheckpointSerializer() {
        return EnumeratorState.Serializer.INSTANCE;
    }

    @Override
    public TypeInformation<ChangeEvent> getProducedType() {
        return TypeInformation.of(ChangeEvent.class);
    }

    /**
     * @param unassigned the split while no reader holds it, else null
     */
    public record EnumeratorState(@Nullable WalSplit unassigned) {

        /** Version 1: a presence byte, then the split as {@link WalSplit.Serializer} writes it. */
        static final class Serializer implements SimpleVersionedSerializer<EnumeratorState> {
            static final Serializer INSTANCE = new Serializer();

            @Override
            public int getVersion() {
                return 1;
            }

            @Override
            public byte[] serialize(EnumeratorState state) throws IOException {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    out.writeBoolean(state.unassigned() != null);
                    if (state.unassigned() != null) {
                        byte[] split = WalSplit.Serializer.INSTANCE.serialize(state.unassigned());
                        out.writeInt(WalSplit.Serializer.INSTANCE.getVersion());
                        out.writeInt(split.length);
                        out.write(split);
                    }
                }
                return bytes.toByteArray();
            }

            @Override
            public EnumeratorState deserialize(int version, byte[] serialized) throws IOException {
                if (version != 1) {
                    throw new IOException("unknown WAL enumerator state version " + version);
                }
                try (DataInputStream in =
                        new DataInputStream(new ByteArrayInputStream(serialized))) {
                    if (!in.readBoolean()) {
                        return new EnumeratorState(null);
                    }
                    int splitVersion = in.readInt();
                    byte[] split = new byte[in.readInt()];
                    in.readFully(split);
                    return new EnumeratorState(
                            WalSplit.Serializer.INSTANCE.deserialize(splitVersion, split));
                }
            }
        }
    }
}
