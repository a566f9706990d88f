package io.permafrost.model;

import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a table is cut into windows: calendar windows on a time column, or fixed integer ranges
 * (block heights). {@link #windowOf(long)} is the one pure function that maps a row to its window;
 * the same window is the Hive-style directory of its files and an Iceberg partition.
 */
public sealed interface WindowSpec extends Serializable {

    /** The source column the window is computed from. */
    String column();

    /** The window holding a normalized column value. */
    Window windowOf(long value);

    /** Parses a window back from its directory path, e.g. {@code year=2024/month=01/day=15}. */
    Window parsePath(String path);

    /** Calendar windows; values are microseconds since the epoch (UTC). */
    record Time(String column, Granularity granularity) implements WindowSpec {
        private static final long HOUR_MICROS = 3_600_000_000L;
        private static final long DAY_MICROS = 24 * HOUR_MICROS;
        private static final Pattern PATH =
                Pattern.compile(
                        "year=(\\d{4})(?:/month=(\\d{2})(?:/day=(\\d{2})(?:/hour=(\\d{2}))?)?)?");

        @Override
        public Window windowOf(long micros) {
            long start;
            long end;
            switch (granularity) {
                case HOURLY -> {
                    start = Math.floorDiv(micros, HOUR_MICROS) * HOUR_MICROS;
                    end = start + HOUR_MICROS;
                }
                case DAILY -> {
                    start = Math.floorDiv(micros, DAY_MICROS) * DAY_MICROS;
                    end = start + DAY_MICROS;
                }
                default -> {
                    LocalDateTime t = toUtc(micros);
                    LocalDateTime first = LocalDateTime.of(t.getYear(), t.getMonth(), 1, 0, 0);
                    start = toMicros(first);
                    end = toMicros(first.plusMonths(1));
                }
            }
            return new Window(start, end, pathOf(start));
        }

        /** Runs once per row, so no String.format: that was a third of a backfill's CPU. */
        private String pathOf(long start) {
            LocalDateTime t = toUtc(start);
            StringBuilder path = new StringBuilder(32).append("year=");
            int year = t.getYear();
            if (year >= 0 && year < 1000) {
                path.append(year < 10 ? "000" : year < 100 ? "00" : "0");
            }
            path.append(year);
            twoDigits(path.append("/month="), t.getMonthValue());
            if (granularity != Granularity.MONTHLY) {
                twoDigits(path.append("/day="), t.getDayOfMonth());
                if (granularity == Granularity.HOURLY) {
                    twoDigits(path.append("/hour="), t.getHour());
                }
            }
            return path.toString();
        }

        private static void twoDigits(StringBuilder b, int v) {
            b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
        }

        @Override
        public Window parsePath(String path) {
            Matcher m = PATH.matcher(path);
            int expectedParts =
                    switch (granularity) {
                        case MONTHLY -> 2;
                        case DAILY -> 3;
                        case HOURLY -> 4;
                    };
            if (!m.matches()
                    || m.group(expectedParts) == null
                    || (expectedParts < 4 && m.group(expectedParts + 1) != null)) {
                throw new IllegalArgumentException(
                        "'" + path + "' is not a " + granularity + " window path");
            }
            LocalDateTime t =
                    LocalDateTime.of(
                            Integer.parseInt(m.group(1)),
                            Integer.parseInt(m.group(2)),
                            m.group(3) == null ? 1 : Integer.parseInt(m.group(3)),
                            m.group(4) == null ? 0 : Integer.parseInt(m.group(4)),
                            0);
            return windowOf(toMicros(t));
        }

        private static LocalDateTime toUtc(long micros) {
            Instant i =
                    Instant.ofEpochSecond(
                            Math.floorDiv(micros, 1_000_000L),
                            Math.floorMod(micros, 1_000_000L) * 1000L);
            return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
        }

        private static long toMicros(LocalDateTime t) {
            return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L;
        }
    }

    /** Fixed ranges {@code [k*size, (k+1)*size)} of an integer column, e.g. block heights. */
    record Range(String column, long size) implements WindowSpec {
        public Range {
            if (size <= 0) {
                throw new IllegalArgumentException("range must be positive, got " + size);
            }
        }

        @Override
        public Window windowOf(long value) {
            long start = Math.floorDiv(value, size) * size;
            return new Window(start, start + size, column + "=" + start + "-" + (start + size - 1));
        }

        @Override
        public Window parsePath(String path) {
            Matcher m = Pattern.compile(Pattern.quote(column) + "=(-?\\d+)-(-?\\d+)").matcher(path);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "'" + path + "' is not a range window path of column " + column);
            }
            Window w = windowOf(Long.parseLong(m.group(1)));
            if (!w.path().equals(path)) {
                throw new IllegalArgumentException(
                        "'" + path + "' does not match range size " + size);
            }
            return w;
        }
    }
}
