package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitterStateSerializerTest {

    private final CommitterStateSerializer serializer = CommitterStateSerializer.INSTANCE;

    private CommitterState roundTrip(CommitterState s) throws IOException {
        byte[] bytes = serializer.serialize(s);
        return serializer.deserialize(serializer.getVersion(), bytes);
    }

    @Test
    void populatedStateRoundTrips() throws IOException {
        CommitterState s = new CommitterState();
        s.watermarkAtCheckpoint.put(7L, 1_705_276_800_000_000L);
        s.watermarkAtCheckpoint.put(8L, Long.MIN_VALUE);
        CommitterState.Progress p7 = s.progress(7L);
        p7.numberOfSubtasks = 2;
        p7.expected = 3;
        p7.received = 3;
        p7.summariesSeen.add(0);
        p7.summariesSeen.add(1);
        CommitterState.Progress p8 = s.progress(8L);
        p8.numberOfSubtasks = 2;
        p8.expected = 5;
        p8.received = 1;
        p8.summariesSeen.add(1);
        DataFileRef a =
                new DataFileRef(
                        "year=2024/month=01/day=15",
                        "file:///wh/public/events/data/year=2024/month=01/day=15/part-0-1.parquet",
                        1_234_567,
                        7);
        DataFileRef b =
                new DataFileRef(
                        "height=1000000-1000999",
                        "s3://bucket/wh/ledger/blocks/data/height=1000000-1000999/part-1-0.parquet",
                        42,
                        8);
        DataFileRef c = new DataFileRef("year=2023/month=12", "/tmp/ünïcode-file.parquet", 0, 8);
        s.pending.put(b.path(), b);
        s.pending.put(a.path(), a);
        s.pending.put(c.path(), c);
        s.toCompact.put("year=2024/month=01/day=14", 6L);
        s.toCompact.put("year=2024/month=01/day=13", 5L);

        CommitterState r = roundTrip(s);

        assertThat(r.watermarkAtCheckpoint)
                .containsExactly(
                        Map.entry(7L, 1_705_276_800_000_000L), Map.entry(8L, Long.MIN_VALUE));
        assertThat(r.progress).containsOnlyKeys(7L, 8L);
        CommitterState.Progress r7 = r.progress.get(7L);
        assertThat(r7.numberOfSubtasks).isEqualTo(2);
        assertThat(r7.expected).isEqualTo(3);
        assertThat(r7.received).isEqualTo(3);
        assertThat(r7.summariesSeen).containsExactlyInAnyOrder(0, 1);
        assertThat(r7.complete()).isTrue();
        CommitterState.Progress r8 = r.progress.get(8L);
        assertThat(r8.numberOfSubtasks).isEqualTo(2);
        assertThat(r8.expected).isEqualTo(5);
        assertThat(r8.received).isEqualTo(1);
        assertThat(r8.summariesSeen).containsExactly(1);
        assertThat(r8.complete()).isFalse();
        // insertion order of pending files is kept
        assertThat(r.pendingFiles()).containsExactly(b, a, c);
        assertThat(r.pending).containsEntry(a.path(), a);
        assertThat(r.toCompact)
                .containsExactly(
                        Map.entry("year=2024/month=01/day=13", 5L),
                        Map.entry("year=2024/month=01/day=14", 6L));
    }

    @Test
    void version1StateWithoutWindowsToCompactIsRead() throws IOException {
        CommitterState s = new CommitterState();
        DataFileRef a = new DataFileRef("year=2024/month=01/day=15", "/wh/a.parquet", 10, 3);
        s.pending.put(a.path(), a);
        s.watermarkAtCheckpoint.put(3L, 99L);
        byte[] v2 = serializer.serialize(s);
        // Version 1 is version 2 without the trailing count of windows to compact (0 here).
        byte[] v1 = java.util.Arrays.copyOf(v2, v2.length - Integer.BYTES);

        CommitterState r = serializer.deserialize(1, v1);

        assertThat(r.pendingFiles()).containsExactly(a);
        assertThat(r.watermarkAtCheckpoint).containsExactly(Map.entry(3L, 99L));
        assertThat(r.toCompact).isEmpty();
    }

    @Test
    void emptyStateRoundTrips() throws IOException {
        CommitterState r = roundTrip(new CommitterState());

        assertThat(r.watermarkAtCheckpoint).isEmpty();
        assertThat(r.progress).isEmpty();
        assertThat(r.pending).isEmpty();
    }

    @Test
    void unknownVersionIsRefused() throws IOException {
        byte[] bytes = serializer.serialize(new CommitterState());

        assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion() + 1, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Unrecognized version 3");
    }
}
