package io.permafrost.source.copy;

import io.permafrost.schema.ArchiveTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts every archived table into block ranges of about {@code chunkSize} rows and at most {@link
 * #MAX_SPLIT_BYTES} on disk: a partitioned table per leaf partition. The last range of each
 * relation is open-ended, so blocks added after planning are read too.
 */
final class SplitPlanner {

    /** A split is held in memory whole before it is emitted; this bounds that memory. */
    static final long MAX_SPLIT_BYTES = 64L << 20;

    private static final String RELATIONS =
            "SELECT format('%I.%I', n.nspname, c.relname),"
                    + " pg_relation_size(c.oid) / current_setting('block_size')::int,"
                    + " c.reltuples, pg_table_size(c.oid)"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE c.relkind = 'r' AND c.oid IN (SELECT ?::regclass UNION ALL"
                    + " SELECT relid FROM pg_partition_tree(?::regclass) WHERE isleaf)"
                    + " ORDER BY 1";

    private SplitPlanner() {}

    static List<CopySplit> plan(Connection c, List<ArchiveTable> tables, int chunkSize)
            throws SQLException {
        List<CopySplit> splits = new ArrayList<>();
        for (int t = 0; t < tables.size(); t++) {
            try (PreparedStatement st = c.prepareStatement(RELATIONS)) {
                st.setString(1, tables.get(t).id().quoted());
                st.setString(2, tables.get(t).id().quoted());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        String relation = rs.getString(1);
                        long pages = rs.getLong(2);
                        double tuples = rs.getDouble(3);
                        long bytes = rs.getLong(4);
                        long step = blocksPerSplit(pages, tuples, bytes, chunkSize);
                        splits.addAll(ranges(t, relation, pages, step));
                    }
                }
            }
        }
        return splits;
    }

    /** Blocks per split from the planner's statistics (reltuples is -1 before any ANALYZE). */
    static long blocksPerSplit(long pages, double tuples, long bytes, int chunkSize) {
        if (pages <= 0) {
            return 1;
        }
        long byBytes = Math.max(1, MAX_SPLIT_BYTES / Math.max(1, bytes / pages));
        if (tuples <= 0) {
            return byBytes;
        }
        long byRows = Math.max(1, (long) (chunkSize / (tuples / pages)));
        return Math.min(byRows, byBytes);
    }

    static List<CopySplit> ranges(int table, String relation, long pages, long step) {
        List<CopySplit> out = new ArrayList<>();
        long first = 0;
        do {
            long end = first + step >= pages ? -1 : first + step;
            out.add(
                    new CopySplit(
                            table + ":" + relation + ":" + first, table, relation, first, end));
            first += step;
        } while (first < pages);
        return out;
    }
}
