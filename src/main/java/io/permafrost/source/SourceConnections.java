package io.permafrost.source;

import io.permafrost.config.PermafrostConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Opens plain JDBC connections to the source, turning failures into actionable messages. */
public final class SourceConnections {

    private SourceConnections() {}

    public static Connection open(PermafrostConfig.Source s) {
        return open(s, new Properties());
    }

    /**
     * A connection in logical replication mode ({@code replication=database}): it runs the
     * replication commands ({@code CREATE_REPLICATION_SLOT}, {@code START_REPLICATION}) and plain
     * SQL in the simple query protocol.
     */
    public static Connection openReplication(PermafrostConfig.Source s) {
        Properties props = new Properties();
        props.setProperty("replication", "database");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("assumeMinServerVersion", "10");
        return open(s, props);
    }

    /**
     * The server's WAL insert position, past every record already inserted (its replay position on
     * a standby). {@code pg_current_wal_lsn()} is the write position, which can lag behind it.
     */
    public static long currentWalLsn(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                                        + " ELSE pg_current_wal_insert_lsn() END - '0/0')::int8")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection open(PermafrostConfig.Source s, Properties props) {
        props.setProperty("user", s.user());
        props.setProperty("password", s.password());
        props.setProperty("connectTimeout", "10");
        props.setProperty("ApplicationName", "permafrost");
        try {
            return DriverManager.getConnection(s.jdbcUrl(), props);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String fix =
                    switch (state) {
                        case "28P01", "28000" ->
                                "check source.user and source.password (or the variable it expands)";
                        case "3D000" -> "check source.database";
                        case "08001", "08006" ->
                                "check source.host and source.port, and that PostgreSQL is running";
                        default -> "check the source section of the config";
                    };
            throw new PreflightException(
                    1,
                    "cannot connect to PostgreSQL at "
                            + s
                            + ": "
                            + e.getMessage()
                            + ". Fix: "
                            + fix,
                    e);
        }
    }
}
