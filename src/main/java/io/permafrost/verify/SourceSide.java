package io.permafrost.verify;

import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.WindowBounds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** The window as PostgreSQL has it now, streamed through a cursor. */
public final class SourceSide extends WindowSide {

    private final Connection conn;
    private final Window window;

    public SourceSide(ArchiveTable table, Connection conn, Window window) {
        super(table);
        this.conn = conn;
        this.window = window;
    }

    /**
     * The column list of the archived columns, quoted; NULL for a {@link ColumnMapping#retired}
     * column, which the table no longer has and verification leaves out.
     */
    public static String columnList(ArchiveTable table) {
        List<String> cols = new ArrayList<>();
        for (ColumnMapping m : table.columns()) {
            cols.add(m.retired() ? "NULL" : '"' + m.column().name() + '"');
        }
        return String.join(", ", cols);
    }

    @Override
    protected void scan(RowConsumer consumer) throws Exception {
        boolean auto = conn.getAutoCommit();
        conn.setAutoCommit(false); // a cursor: rows stream instead of being held in memory
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT "
                                + columnList(table)
                                + " FROM "
                                + table.id().quoted()
                                + " WHERE "
                                + WindowBounds.sqlCondition(table))) {
            st.setFetchSize(5_000);
            WindowBounds.bind(st, 1, table, window);
            try (ResultSet rs = st.executeQuery()) {
                consumeAll(rs, table, consumer);
            }
        } finally {
            conn.commit();
            conn.setAutoCommit(auto);
        }
    }

    /** Feeds every row of a result set of {@link #columnList} columns to the consumer. */
    public static void consumeAll(ResultSet rs, ArchiveTable table, RowConsumer consumer)
            throws Exception {
        List<ColumnMapping> cols = table.columns();
        while (rs.next()) {
            List<Object> row = new ArrayList<>(cols.size());
            for (int i = 0; i < cols.size(); i++) {
                ColumnMapping m = cols.get(i);
                row.add(m.retired() ? null : SourceValues.read(rs, i + 1, m));
            }
            consumer.accept(row);
        }
    }
}
