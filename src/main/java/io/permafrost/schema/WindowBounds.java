package io.permafrost.schema;

import io.permafrost.model.Window;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;

/** A window's bounds as an Iceberg filter and as SQL parameters, typed for its column. */
public final class WindowBounds {

    private static final long DAY_MICROS = 86_400_000_000L;

    private WindowBounds() {}

    /** {@code column >= start AND column < end} for Iceberg scans. */
    public static Expression iceberg(ArchiveTable table, Window w) {
        String col = table.window().column();
        Object start;
        Object end;
        switch (table.windowKind()) {
            case DATE -> {
                start = (int) (w.start() / DAY_MICROS);
                end = (int) (w.end() / DAY_MICROS);
            }
            case SHORT, INT -> {
                start = (int) w.start();
                end = (int) Math.min(w.end(), Integer.MAX_VALUE);
            }
            default -> {
                start = w.start();
                end = w.end();
            }
        }
        return Expressions.and(
                Expressions.greaterThanOrEqual(col, start), Expressions.lessThan(col, end));
    }

    /** The SQL condition {@code "col" >= ? AND "col" < ?}; bind with {@link #bind}. */
    public static String sqlCondition(ArchiveTable table) {
        String col = '"' + table.window().column() + '"';
        return col + " >= ? AND " + col + " < ?";
    }

    /** Binds the window's start and end at {@code first} and {@code first + 1}. */
    public static void bind(PreparedStatement st, int first, ArchiveTable table, Window w)
            throws SQLException {
        st.setObject(first, sqlValue(table, w.start()));
        st.setObject(first + 1, sqlValue(table, w.end()));
    }

    private static Object sqlValue(ArchiveTable table, long v) {
        String type = table.columns().get(table.windowColumn()).column().typeName();
        return switch (type) {
            case "timestamptz" ->
                    Instant.ofEpochSecond(
                                    Math.floorDiv(v, 1_000_000L),
                                    Math.floorMod(v, 1_000_000L) * 1000)
                            .atOffset(ZoneOffset.UTC);
            case "timestamp" ->
                    LocalDateTime.ofEpochSecond(
                            Math.floorDiv(v, 1_000_000L),
                            (int) Math.floorMod(v, 1_000_000L) * 1000,
                            ZoneOffset.UTC);
            case "date" -> LocalDate.ofEpochDay(Math.floorDiv(v, DAY_MICROS));
            default -> v;
        };
    }
}
