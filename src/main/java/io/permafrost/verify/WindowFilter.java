package io.permafrost.verify;

import io.permafrost.model.Window;
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
        if (table != null && !t.id().toString().equals(table) && !t.id().table().equals(table)) {
            return false;
        }
        if (from != null && w.start() < bound(t, from)) {
            return false;
        }
        return to == null || w.start() < bound(t, to);
    }

    /** A --from/--to value in the table's window unit. */
    public static long bound(ArchiveTable t, String text) {
        String s = text.trim();
        if (s.contains("=")) {
            return t.window().parsePath(s).start();
        }
        if (s.matches("-?\\d+")) {
            return Long.parseLong(s);
        }
        try {
            java.time.Instant i =
                    s.length() <= 10
                            ? java.time.LocalDate.parse(s)
                                    .atStartOfDay()
                                    .toInstant(java.time.ZoneOffset.UTC)
                            : java.time.LocalDateTime.parse(s.replace("Z", ""))
                                    .toInstant(java.time.ZoneOffset.UTC);
            return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        } catch (java.time.format.DateTimeParseException e) {
            throw new io.permafrost.config.ConfigException(
                    "--from/--to",
                    "'" + text + "' is not a window path, date, timestamp or integer",
                    "write e.g. year=2024/month=01/day=15, 2024-01-15, 2024-01-15T12:00:00 or 1000000");
        }
    }
}
