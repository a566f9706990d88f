package io.permafrost.model;

import java.util.Locale;

/** Calendar window sizes on a timestamp or date column. All calendar math is in UTC. */
public enum Granularity {
    HOURLY,
    DAILY,
    MONTHLY;

    public static Granularity parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }

    /** The matching Iceberg partition transform name. */
    public String icebergTransform() {
        return switch (this) {
            case HOURLY -> "hour";
            case DAILY -> "day";
            case MONTHLY -> "month";
        };
    }
}
