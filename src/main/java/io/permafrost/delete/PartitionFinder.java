package io.permafrost.delete;

import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.verify.RowKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the partition of a range-partitioned table whose bounds are exactly a window. */
final class PartitionFinder {

    private static final Pattern BOUNDS =
            Pattern.compile("FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)");

    private PartitionFinder() {}

    static Optional<String> exactPartition(Connection conn, ArchiveTable table, Window w)
            throws SQLException {
        String type = table.columns().get(table.windowColumn()).column().typeName();
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_expr(c.relpartbound, c.oid) "
                                + "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                + "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                + "WHERE i.inhparent = to_regclass(?)")) {
            st.setString(1, table.id().quoted());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Matcher m = BOUNDS.matcher(rs.getString(2) == null ? "" : rs.getString(2));
                    if (m.matches()
                            && value(conn, m.group(1), type) == w.start()
                            && value(conn, m.group(2), type) == w.end()) {
                        return Optional.of(rs.getString(1));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** A partition bound literal in the window's unit, computed by PostgreSQL itself. */
    private static long value(Connection conn, String literal, String type) throws SQLException {
        if (literal.contains(",") || literal.equals("MINVALUE") || literal.equals("MAXVALUE")) {
            return Long.MIN_VALUE; // multi-column or open bounds never equal a window
        }
        try (PreparedStatement st = conn.prepareStatement("SELECT " + literal + "::" + type)) {
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                Object v =
                        switch (type) {
                            case "timestamptz" -> rs.getObject(1, java.time.OffsetDateTime.class);
                            case "timestamp" -> rs.getObject(1, java.time.LocalDateTime.class);
                            case "date" -> rs.getObject(1, java.time.LocalDate.class);
                            default -> rs.getLong(1);
                        };
                return RowKeys.normalize(v);
            }
        }
    }
}
