package io.permafrost.model;

import java.io.Serializable;

/**
 * One archive window: the half-open range {@code [start, end)} of the window column, in the
 * column's normalized unit (microseconds since the epoch for time windows, the integer value for
 * range windows), and its Hive-style directory path, which is also its id.
 */
public record Window(long start, long end, String path) implements Serializable {

    /** True once a watermark (same unit) says no more rows of this window are expected. */
    public boolean closedBy(long watermark) {
        return watermark >= end;
    }

    @Override
    public String toString() {
        return path;
    }
}
