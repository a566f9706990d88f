package io.permafrost.source.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.model.ChangeEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.junit.jupiter.api.Test;

/**
 * The WAL split's position across a checkpoint and a restore: events emitted before the checkpoint
 * are emitted once, whether the checkpoint fell between transactions or inside one.
 */
class WalPositionTest {

    private final WalRecordEmitter emitter = new WalRecordEmitter();
    private final List<Long> out = new ArrayList<>();
    private final SourceOutput<ChangeEvent> output = new Collecting();

    @Test
    void aCheckpointInsideATransactionResumesAtItsStartAndSkipsWhatWentOut() throws Exception {
        // transaction A (commit 0x100, ends 0x180) whole, then 2 of the 4 events of B (0x200)
        WalRecordEmitter.Position p = new WalRecordEmitter.Position(new WalSplit(0x50, 0, 0));
        List<PgOutputDecoder.Decoded> a = transaction(0x100, 0x180, 1, 2);
        List<PgOutputDecoder.Decoded> b = transaction(0x200, 0x280, 3, 4, 5, 6);
        a.forEach(d -> emitter.emitRecord(d, output, p));
        emitter.emitRecord(b.get(0), output, p);
        emitter.emitRecord(b.get(1), output, p);

        WalSplit checkpointed =
                WalSplit.Serializer.INSTANCE.deserialize(
                        1, WalSplit.Serializer.INSTANCE.serialize(p.toSplit()));
        assertThat(checkpointed).isEqualTo(new WalSplit(0x180, 0x200, 2));

        // restored: the slot resumes at 0x180, so all of B arrives again
        WalRecordEmitter.Position restored = new WalRecordEmitter.Position(checkpointed);
        ReplayFilter replay = new ReplayFilter(checkpointed);
        for (PgOutputDecoder.Decoded d : b) {
            if (!replay.drop(d)) {
                emitter.emitRecord(d, output, restored);
            }
        }
        assertThat(out).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(restored.toSplit()).isEqualTo(new WalSplit(0x280, 0, 0));
    }

    @Test
    void aCheckpointBetweenTransactionsSkipsNothing() {
        WalSplit between = new WalSplit(0x180, 0, 0);
        ReplayFilter replay = new ReplayFilter(between);
        assertThat(transaction(0x200, 0x280, 3)).noneMatch(replay::drop);
    }

    @Test
    void aStreamThatLacksTheCheckpointedTransactionIsRefused() {
        ReplayFilter replay = new ReplayFilter(new WalSplit(0x180, 0x200, 2));
        List<PgOutputDecoder.Decoded> other = transaction(0x300, 0x380, 7);
        assertThatThrownBy(() -> replay.drop(other.get(0)))
                .hasMessageContaining("without the 2 events of the transaction at 0/200");
    }

    @Test
    void theEnumeratorStateKeepsAnUnassignedSplitOrNone() throws IOException {
        WalSource.EnumeratorState.Serializer s = WalSource.EnumeratorState.Serializer.INSTANCE;
        WalSource.EnumeratorState some =
                new WalSource.EnumeratorState(new WalSplit(0x1_0000_0000L, 0x1_0000_0100L, 7));
        assertThat(s.deserialize(s.getVersion(), s.serialize(some))).isEqualTo(some);
        WalSource.EnumeratorState none = new WalSource.EnumeratorState(null);
        assertThat(s.deserialize(s.getVersion(), s.serialize(none))).isEqualTo(none);
        assertThatThrownBy(() -> s.deserialize(2, s.serialize(none)))
                .hasMessageContaining("unknown WAL enumerator state version 2");
    }

    /** Row events carrying ids as their commit time, then the commit. */
    private static List<PgOutputDecoder.Decoded> transaction(
            long commitLsn, long endLsn, long... ids) {
        List<PgOutputDecoder.Decoded> events = new ArrayList<>();
        for (long id : ids) {
            events.add(new PgOutputDecoder.Row(commitLsn, ChangeEvent.heartbeat(id)));
        }
        events.add(new PgOutputDecoder.Commit(commitLsn, endLsn));
        return events;
    }

    private final class Collecting implements ReaderOutput<ChangeEvent> {
        @Override
        public void collect(ChangeEvent record) {
            out.add(record.commitMicros());
        }

        @Override
        public void collect(ChangeEvent record, long timestamp) {
            collect(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}

        @Override
        public SourceOutput<ChangeEvent> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {}
    }
}
