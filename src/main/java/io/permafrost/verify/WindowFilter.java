package io.permafrost.verify;

import io.permafrost.config.ConfigException;
import io.permafrost.model.TableId;
import io.permafrost.model.Window;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import java.io.Serializable;
import java.util.function.BiPredicate;

/**
 * Selects windows by table and by start: {@code --from} inclusive, {@code --to} exclusive, each a
 * window path, a date or timestamp (UTC, time windows) or an integer (range windows).
 */
public record WindowFilter(String table, String from, String to)
        implements BiPredicate<ArchiveTable, Window>, Serializable {

    public static final WindowFilter ALL = new WindowFilter(null, null, null);

    @Override
    public boolean test(ArchiveTable t, Window w) {
        return test(t.id(), t.window(), w);
    }

    /** The same test from the configuration alone, for commands that need no database. */
    public boolean test(TableId id, WindowSpec spec, Window w) {
        if (table != null && !id.matches(table)) {
            return false;
        }
        if (from != null && w.start() < bound(spec, from, "--from")) {
            return false;
        }
        return to == null || w.start() < bound(spec, to, "--to");
    }

    /** A --from/--to value in the table's window unit. */
    public static long bound(ArchiveTable t, String text) {
        return bound(t.window(), text, "--from/--to");
    }

    /**
     * A value of {@code option} in the window's unit; a value that is none of the accepted forms is
     * a usage error naming the option.
     */
    public static long bound(WindowSpec spec, String text, String option) {
        String s = text.trim();
        try {
            if (s.contains("=")) {
                return spec.parsePath(s).start();
            }
            if (s.matches("-?\\d+")) {
                return Long.parseLong(s);
            }
            java.time.Instant i =
                    s.length() <= 10
                            ? java.time.LocalDate.parse(s)
                                    .atStartOfDay()
                                    .toInstant(java.time.ZoneOffset.UTC)
                            : java.time.LocalDateTime.parse(s.replace("Z", ""))
                                    .toInstant(java.time.ZoneOffset.UTC);
            return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new ConfigException(
                    "option '"
                            + option
                            + "': '"
                            + text
                            + "' is not a window path, date, timestamp or integer for column "
                            + spec.column()
                            + " ("
                            + e.getMessage()
                            + "). Fix: write e.g. "
                            + spec.windowOf(0).path()
                            + ", 2024-01-15, 2024-01-15T12:00:00 (UTC) or an integer");
        }
    }
}
