package io.permafrost.model;

import io.permafrost.source.PgSnapshot;
import java.io.Serializable;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The windows of a table already in the archive when a job starts: their snapshot rows are not
 * archived again, except, for a run, those a window's recorded backfill snapshot does not see
 * ({@link io.permafrost.iceberg.WindowCoverage}).
 *
 * @param committed paths of the windows with files in the Iceberg table
 * @param recorded per window path, the snapshot whose rows the window is known to hold
 */
public record ArchivedWindows(Set<String> committed, Map<String, PgSnapshot> recorded)
        implements Serializable {

    public static final ArchivedWindows NONE = new ArchivedWindows(Set.of(), Map.of());

    public ArchivedWindows {
        committed = Set.copyOf(committed);
        recorded = Map.copyOf(recorded);
    }

    public boolean contains(String window) {
        return committed.contains(window);
    }

    /** The recorded snapshot of a committed window, or null. */
    @Nullable
    public PgSnapshot recorded(String window) {
        return recorded.get(window);
    }
}
