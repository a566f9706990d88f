package io.permafrost.source.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitPlannerTest {

    @Test
    void rangesCoverEveryBlockOnceAndTheLastIsOpenEnded() {
        List<CopySplit> splits = SplitPlanner.ranges(0, "\"public\".\"t\"", 10, 4);
        assertThat(splits)
                .extracting(s -> s.firstBlock() + ".." + s.endBlock())
                .containsExactly("0..4", "4..8", "8..-1");
        assertThat(splits).extracting(CopySplit::splitId).doesNotHaveDuplicates();
        // an empty relation still gets one split: rows may arrive before it is read
        assertThat(SplitPlanner.ranges(0, "t", 0, 1))
                .extracting(s -> s.firstBlock() + ".." + s.endBlock())
                .containsExactly("0..-1");
    }

    @Test
    void splitSizeFollowsChunkSizeCappedByBytes() {
        // 100 rows per 8 KiB block: 50,000 rows are 500 blocks
        assertThat(SplitPlanner.blocksPerSplit(10_000, 1_000_000, 10_000 * 8192L, 50_000))
                .isEqualTo(500);
        // never analyzed (reltuples -1): by bytes only, 64 MiB of 8 KiB blocks
        assertThat(SplitPlanner.blocksPerSplit(10_000, -1, 10_000 * 8192L, 50_000)).isEqualTo(8192);
        // wide rows in TOAST: 1 MiB per block caps a split at 64 blocks
        assertThat(SplitPlanner.blocksPerSplit(1_000, 10_000, 1_000L << 20, 50_000)).isEqualTo(64);
        assertThat(SplitPlanner.blocksPerSplit(0, 0, 0, 50_000)).isEqualTo(1);
    }

    @Test
    void splitsAndEnumeratorStateSurviveTheirSerializers() throws IOException {
        CopySplit split = new CopySplit("1:\"s\".\"t_2024\":512", 1, "\"s\".\"t_2024\"", 512, -1);
        CopySplit.Serializer ss = CopySplit.Serializer.INSTANCE;
        assertThat(ss.deserialize(ss.getVersion(), ss.serialize(split))).isEqualTo(split);

        CopyEnumeratorState state =
                new CopyEnumeratorState(true, List.of(split, new CopySplit("0:t:0", 0, "t", 0, 8)));
        CopyEnumeratorState.Serializer es = new CopyEnumeratorState.Serializer();
        assertThat(es.deserialize(es.getVersion(), es.serialize(state))).isEqualTo(state);
        assertThat(es.deserialize(1, es.serialize(CopyEnumeratorState.INITIAL)))
                .isEqualTo(new CopyEnumeratorState(false, List.of()));
        assertThatThrownBy(() -> es.deserialize(2, es.serialize(state)))
                .hasMessageContaining("version 2")
                .hasMessageContaining("newer Permafrost");
    }
}
