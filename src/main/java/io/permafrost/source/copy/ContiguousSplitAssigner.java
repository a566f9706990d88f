package io.permafrost.source.copy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands out block-range splits so that each reader reads a run of adjacent blocks: a reader gets
 * the range that follows its previous one while that is still unassigned; otherwise it starts where
 * a run of unassigned ranges begins, or, when another reader is already working its way into the
 * longest run, in that run's middle.
 *
 * <p>Why: tables archived by time are mostly stored in time order, so adjacent blocks hold the same
 * few windows. Ranges dealt out in turn made every reader write every window (two files per window
 * with two readers, each open until the next checkpoint); with runs, a window is usually written by
 * one reader, into one file, and fewer files are open, closed and synced at each checkpoint.
 *
 * <p>Splits are kept in plan order (table, relation, first block). Which split a reader had last is
 * not checkpointed: after a restore, readers start runs afresh.
 */
final class ContiguousSplitAssigner {

    static final Comparator<CopySplit> PLAN_ORDER =
            Comparator.comparingInt(CopySplit::table)
                    .thenComparing(CopySplit::relation)
                    .thenComparingLong(CopySplit::firstBlock);

    private final List<CopySplit> unassigned;
    private final Map<Integer, CopySplit> lastOf = new HashMap<>();

    ContiguousSplitAssigner(Collection<CopySplit> splits) {
        this.unassigned = new ArrayList<>(splits);
        this.unassigned.sort(PLAN_ORDER);
    }

    /** The next split for {@code reader}, or null when none is left. */
    CopySplit next(int reader) {
        if (unassigned.isEmpty()) {
            return null;
        }
        CopySplit previous = lastOf.get(reader);
        int index = previous == null ? -1 : indexOfSuccessor(previous);
        if (index < 0) {
            index = startOfLongestRun();
        }
        CopySplit split = unassigned.remove(index);
        lastOf.put(reader, split);
        return split;
    }

    /** Splits a failed reader had not finished; they are handed out again, in plan order. */
    void addBack(Collection<CopySplit> splits, int reader) {
        unassigned.addAll(splits);
        unassigned.sort(PLAN_ORDER);
        lastOf.remove(reader);
    }

    /** The splits not handed out yet, in plan order. */
    List<CopySplit> remaining() {
        return List.copyOf(unassigned);
    }

    /** Whether {@code next} reads the blocks right after {@code split}'s. */
    static boolean follows(CopySplit next, CopySplit split) {
        return split.endBlock() >= 0
                && next.firstBlock() == split.endBlock()
                && next.table() == split.table()
                && next.relation().equals(split.relation());
    }

    private int indexOfSuccessor(CopySplit split) {
        for (int i = 0; i < unassigned.size(); i++) {
            if (follows(unassigned.get(i), split)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Where to start in the longest run of adjacent unassigned splits: at its first split, unless a
     * reader's last split leads into it (that reader will go on there), then in its middle.
     */
    private int startOfLongestRun() {
        int bestStart = 0;
        int bestLength = 0;
        int start = 0;
        for (int i = 1; i <= unassigned.size(); i++) {
            if (i == unassigned.size() || !follows(unassigned.get(i), unassigned.get(i - 1))) {
                if (i - start > bestLength) {
                    bestStart = start;
                    bestLength = i - start;
                }
                start = i;
            }
        }
        CopySplit first = unassigned.get(bestStart);
        boolean continued = lastOf.values().stream().anyMatch(s -> follows(first, s));
        return continued ? bestStart + bestLength / 2 : bestStart;
    }
}
