package io.permafrost.verify;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * What one side of a window looks like, independent of row order: the row count, the 128-bit sum
 * (mod 2^128) of the rows' hashes, the bounds of the window column and of the key, and the same sum
 * per key bucket, which narrows a mismatch down to a few keys without holding every key.
 */
public final class WindowDigest {

    /** Keys are spread over this many buckets (64 KiB of sums per digest). */
    public static final int BUCKETS = 4096;

    private long count;
    private long high;
    private long low;
    private long windowMin = Long.MAX_VALUE;
    private long windowMax = Long.MIN_VALUE;
    private byte[] keyMin;
    private byte[] keyMax;
    private final long[] bucketHigh = new long[BUCKETS];
    private final long[] bucketLow = new long[BUCKETS];

    /** Adds one row: its hash, its key's canonical bytes and its normalized window value. */
    public void add(long[] rowHash, byte[] key, long windowValue) {
        count++;
        long[] sum = add128(high, low, rowHash[0], rowHash[1]);
        high = sum[0];
        low = sum[1];
        int b = bucketOf(key);
        long[] bs = add128(bucketHigh[b], bucketLow[b], rowHash[0], rowHash[1]);
        bucketHigh[b] = bs[0];
        bucketLow[b] = bs[1];
        windowMin = Math.min(windowMin, windowValue);
        windowMax = Math.max(windowMax, windowValue);
        if (keyMin == null || Arrays.compareUnsigned(key, keyMin) < 0) {
            keyMin = key;
        }
        if (keyMax == null || Arrays.compareUnsigned(key, keyMax) > 0) {
            keyMax = key;
        }
    }

    public static int bucketOf(byte[] key) {
        return Math.floorMod(Arrays.hashCode(key) * 0x9E3779B9, BUCKETS);
    }

    static long[] add128(long h1, long l1, long h2, long l2) {
        long low = l1 + l2;
        long carry = Long.compareUnsigned(low, l1) < 0 ? 1 : 0;
        return new long[] {h1 + h2 + carry, low};
    }

    public long count() {
        return count;
    }

    public String fingerprint() {
        return String.format("%016x%016x", high, low);
    }

    public Long windowMin() {
        return count == 0 ? null : windowMin;
    }

    public Long windowMax() {
        return count == 0 ? null : windowMax;
    }

    public String keyMin() {
        return keyMin == null ? null : HexFormat.of().formatHex(keyMin);
    }

    public String keyMax() {
        return keyMax == null ? null : HexFormat.of().formatHex(keyMax);
    }

    /** Buckets whose sums differ from {@code other}'s, at most {@code limit}. */
    public int[] differingBuckets(WindowDigest other, int limit) {
        return java.util.stream.IntStream.range(0, BUCKETS)
                .filter(
                        b ->
                                bucketHigh[b] != other.bucketHigh[b]
                                        || bucketLow[b] != other.bucketLow[b])
                .limit(limit)
                .toArray();
    }
}
