package io.permafrost.source.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContiguousSplitAssignerTest {

    private static List<CopySplit> tenRanges() {
        return SplitPlanner.ranges(0, "\"public\".\"t\"", 100, 10);
    }

    private static String blocks(List<CopySplit> splits) {
        StringBuilder b = new StringBuilder();
        for (CopySplit s : splits) {
            b.append(s.firstBlock()).append(' ');
        }
        return b.toString().trim();
    }

    @Test
    void twoReadersAskingInTurnEachReadOneHalf() {
        ContiguousSplitAssigner a = new ContiguousSplitAssigner(tenRanges());
        Map<Integer, List<CopySplit>> got = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            int reader = i % 2;
            got.computeIfAbsent(reader, r -> new ArrayList<>()).add(a.next(reader));
        }
        assertThat(blocks(got.get(0))).isEqualTo("0 10 20 30 40");
        assertThat(blocks(got.get(1))).isEqualTo("50 60 70 80 90");
        assertThat(a.next(0)).isNull();
        assertThat(a.remaining()).isEmpty();
    }

    @Test
    void aFastReaderTakesTheMiddleOfWhatIsLeftAndTheSlowOneGoesOn() {
        ContiguousSplitAssigner a = new ContiguousSplitAssigner(tenRanges());
        assertThat(a.next(0).firstBlock()).isZero();
        assertThat(a.next(1).firstBlock()).isEqualTo(50);
        for (long expected : new long[] {60, 70, 80, 90}) {
            assertThat(a.next(1).firstBlock()).isEqualTo(expected);
        }
        // reader 1 is done with its half: reader 0 goes on at 10, so reader 1 starts in the middle
        assertThat(a.next(1).firstBlock()).isEqualTo(30);
        assertThat(a.next(0).firstBlock()).isEqualTo(10);
        assertThat(a.next(1).firstBlock()).isEqualTo(40);
        assertThat(a.next(0).firstBlock()).isEqualTo(20);
        assertThat(a.next(0)).isNull();
    }

    @Test
    void rangesOfDifferentRelationsAreNotRuns() {
        List<CopySplit> splits = new ArrayList<>(SplitPlanner.ranges(0, "p2", 20, 10));
        splits.addAll(SplitPlanner.ranges(0, "p1", 20, 10));
        ContiguousSplitAssigner a = new ContiguousSplitAssigner(splits);
        // plan order: p1 before p2, whatever order they came in
        assertThat(a.remaining())
                .extracting(s -> s.relation() + ":" + s.firstBlock())
                .containsExactly("p1:0", "p1:10", "p2:0", "p2:10");
        assertThat(a.next(0).relation()).isEqualTo("p1");
        // p1's last range is open-ended, nothing follows it in p2
        assertThat(a.next(0).relation()).isEqualTo("p1");
        CopySplit third = a.next(0);
        assertThat(third.relation() + ":" + third.firstBlock()).isEqualTo("p2:0");
    }

    @Test
    void splitsAddedBackAreHandedOutAgainInPlanOrder() {
        ContiguousSplitAssigner a = new ContiguousSplitAssigner(tenRanges());
        CopySplit first = a.next(0);
        CopySplit second = a.next(0);
        a.addBack(List.of(second, first), 0);
        assertThat(blocks(a.remaining())).isEqualTo("0 10 20 30 40 50 60 70 80 90");
        assertThat(a.next(1).firstBlock()).isZero();
    }

    @Test
    void everySplitIsHandedOutExactlyOnceWhateverTheOrderOfRequests() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<CopySplit> splits = new ArrayList<>();
            int relations = 1 + random.nextInt(3);
            for (int r = 0; r < relations; r++) {
                splits.addAll(
                        SplitPlanner.ranges(
                                r % 2, "r" + r, random.nextInt(200), 1 + random.nextInt(20)));
            }
            ContiguousSplitAssigner a = new ContiguousSplitAssigner(splits);
            int readers = 1 + random.nextInt(4);
            List<CopySplit> handedOut = new ArrayList<>();
            CopySplit s;
            int misses = 0;
            while (misses < 10 * readers) {
                int reader = random.nextInt(readers);
                if (random.nextInt(10) == 0 && !handedOut.isEmpty()) {
                    // a reader fails: its last split comes back
                    CopySplit back = handedOut.remove(handedOut.size() - 1);
                    a.addBack(List.of(back), reader);
                    continue;
                }
                s = a.next(reader);
                if (s == null) {
                    misses++;
                } else {
                    handedOut.add(s);
                }
            }
            assertThat(handedOut).containsExactlyInAnyOrderElementsOf(splits);
        }
    }
}
