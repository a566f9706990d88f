package io.permafrost.compact;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/** Groups small files, in their order, into bins of at most a target size. */
final class BinPacker {

    private BinPacker() {}

    /**
     * Fills bins in order, each up to {@code target} bytes (a file larger than the target alone
     * makes a bin of its own). Bins of a single file are dropped: rewriting one file alone gains
     * nothing.
     */
    static <T> List<List<T>> pack(List<T> items, ToLongFunction<T> size, long target) {
        List<List<T>> bins = new ArrayList<>();
        List<T> bin = new ArrayList<>();
        long binSize = 0;
        for (T item : items) {
            long s = size.applyAsLong(item);
            if (!bin.isEmpty() && binSize + s > target) {
                bins.add(bin);
                bin = new ArrayList<>();
                binSize = 0;
            }
            bin.add(item);
            binSize += s;
        }
        if (!bin.isEmpty()) {
            bins.add(bin);
        }
        bins.removeIf(b -> b.size() < 2);
        return bins;
    }
}
