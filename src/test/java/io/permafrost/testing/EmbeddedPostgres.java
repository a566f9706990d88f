package io.permafrost.testing;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (zonky embedded binaries, PG 17) per test JVM, started with {@code
 * wal_level=logical}. Each test gets a database of its own, so slots and publications of different
 * tests never meet.
 */
public final class EmbeddedPostgres {

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private EmbeddedPostgres() {}

    public static synchronized io.zonky.test.db.postgres.embedded.EmbeddedPostgres server() {
        if (pg == null) {
            try {
                pg =
                        io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                                .setServerConfig("wal_level", "logical")
                                .setServerConfig("max_replication_slots", "20")
                                .setServerConfig("max_wal_senders", "20")
                                .setServerConfig("max_connections", "200")
                                .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start embedded PostgreSQL", e);
            }
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        try {
                                            pg.close();
                                        } catch (IOException ignored) {
                                            // shutting down
                                        }
                                    }));
        }
        return pg;
    }

    public static int port() {
        return server().getPort();
    }

    /** Creates a fresh database and returns its name. */
    public static String newDatabase(String prefix) {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return name;
    }

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + port() + "/" + database, "postgres", "postgres");
    }

    public static void execute(String database, String... sql) {
        try (Connection c = connect(database);
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
