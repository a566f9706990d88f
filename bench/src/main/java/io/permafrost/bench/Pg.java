package io.permafrost.bench;

import io.permafrost.cli.DemoCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;

/** The benchmark's PostgreSQL: connections, the seed table, replication clean-up. */
public final class Pg {

    public static final String TABLE = "permanent_data_items";

    private Pg() {}

    public static Connection connect(Params p, String database) throws SQLException {
        return DriverManager.getConnection(p.jdbcUrl(database), "postgres", "postgres");
    }

    public static void execute(Params p, String database, String... sql) throws SQLException {
        try (Connection c = connect(p, database);
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    public static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Creates the seed table (Permafrost's own {@link DemoCommand#SCHEMA}) in {@code database} and
     * fills it with {@code rows} rows of {@link DemoCommand#sampleRows} spread evenly over {@code
     * days} daily windows from {@code from}, in batches, then VACUUM (FREEZE, ANALYZE) so that no
     * measurement pays for hint bits or visibility-map work.
     */
    public static void createSeedTable(
            Params p, String database, LocalDate from, int days, long rows, LongConsumer progress)
            throws SQLException {
        try (Connection c = connect(p, database);
                Statement s = c.createStatement()) {
            s.execute(DemoCommand.SCHEMA);
            long batch = 250_000;
            for (long first = 1; first <= rows; first += batch) {
                long last = Math.min(rows, first + batch - 1);
                s.execute(DemoCommand.sampleRows(from, days, first, last, rows));
                progress.accept(last);
            }
            s.execute("VACUUM (FREEZE, ANALYZE) " + TABLE);
            s.execute("CHECKPOINT");
        }
    }

    /** Drops every inactive replication slot of the server and every publication of {@code db}. */
    public static List<String> dropReplicationLeftovers(Params p, String database)
            throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Connection c = connect(p, database);
                Statement s = c.createStatement()) {
            List<String> slots = new ArrayList<>();
            try (ResultSet rs =
                    s.executeQuery("SELECT slot_name FROM pg_replication_slots WHERE NOT active")) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
            }
            for (String slot : slots) {
                try {
                    s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                    dropped.add("slot " + slot);
                } catch (SQLException e) {
                    // became active again or already gone
                }
            }
            List<String> pubs = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT pubname FROM pg_publication")) {
                while (rs.next()) {
                    pubs.add(rs.getString(1));
                }
            }
            for (String pub : pubs) {
                s.execute("DROP PUBLICATION IF EXISTS \"" + pub + "\"");
                dropped.add("publication " + pub);
            }
        }
        return dropped;
    }

    /** Streams {@code COPY (query) TO STDOUT (FORMAT binary)} into {@code out}; returns rows. */
    public static long copyBinary(Connection c, String query, OutputStream out)
            throws SQLException, IOException {
        return c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)", out);
    }

    /** An output stream that only counts. */
    public static final class CountingNull extends OutputStream {
        public long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
