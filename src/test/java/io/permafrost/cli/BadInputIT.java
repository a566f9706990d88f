package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.ConfigLoader;
import io.permafrost.source.SourcePreflight;
import io.permafrost.testing.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad input, as a user types it: every mistake ends with exit code 2 (the config or the command
 * line names something wrong) or 1 (the database must be changed or cannot be reached), one line on
 * stderr that names the problem and the fix, and nothing written: no warehouse, no publication, no
 * heartbeat table, no replication slot.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputIT {

    /** A second server with the default wal_level (replica) and password auth for 'archiver'. */
    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres replica;

    @TempDir Path dir;

    private String debug;

    @BeforeAll
    static void startReplicaServer() throws Exception {
        replica = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start();
        Path hba;
        try (Connection c = replica.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE archiver LOGIN REPLICATION PASSWORD 'right'");
            try (ResultSet rs = s.executeQuery("SHOW hba_file")) {
                rs.next();
                hba = Path.of(rs.getString(1));
            }
            // initdb trusts everyone: demand a password from archiver (first match wins), keep
            // trust for postgres.
            List<String> lines = new ArrayList<>();
            lines.add("host all archiver 127.0.0.1/32 scram-sha-256");
            lines.add("host all archiver ::1/128 scram-sha-256");
            lines.addAll(Files.readAllLines(hba));
            Files.write(hba, lines);
            s.execute("SELECT pg_reload_conf()");
        }
        // The postmaster reloads on a signal: wait until a wrong password is refused.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Connection c = connectReplica("postgres", "archiver", "wrong")) {
                assertThat(System.nanoTime() - deadline).as("pg_hba.conf reloaded").isNegative();
                Thread.sleep(100);
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("28P01");
                break;
            }
        }
        try (Connection c = connectReplica("postgres", "archiver", "right")) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    @AfterAll
    static void stopReplicaServer() throws IOException {
        if (replica != null) {
            replica.close();
        }
    }

    /** Failsafe turns on stack traces; the user sees the one line, so the test does too. */
    @BeforeEach
    void userView() {
        debug = System.getProperty("permafrost.debug");
        System.setProperty("permafrost.debug", "false");
    }

    @AfterEach
    void restoreDebug() {
        if (debug == null) {
            System.clearProperty("permafrost.debug");
        } else {
            System.setProperty("permafrost.debug", debug);
        }
    }

    // ---------------------------------------------------------------- configuration mistakes

    @Test
    void missingRequiredKey() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db).replace("  host: localhost\n", ""));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line).contains("source.host", "is required", "Fix", "host:");
        }
        assertNothingWritten(db);
    }

    @Test
    void unknownKeyListsTheAllowedKeys() {
        String db = databaseWith(EVENTS);
        Path config =
                config(
                        yaml(db).replace(
                                        "{column: at, granularity: daily}",
                                        "{column: at, granularty: daily}"));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "tables[0].window.granularty",
                            "unknown key",
                            "Fix",
                            "[column, granularity, range]");
        }
        assertNothingWritten(db);
    }

    @Test
    void pgoutputReaderRefusesATableItCannotReadBeforeCreatingAnything() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                                + " took interval);"
                                + "ALTER TABLE events REPLICA IDENTITY FULL");
        Path config = config(yaml(db).replace("tables:\n", "  stream_reader: pgoutput\ntables:\n"));
        String line = fails(2, "run", "-c", config.toString());
        assertThat(line)
                .contains(
                        "source.stream_reader",
                        "pgoutput cannot read these tables",
                        "column took has type interval",
                        "Fix",
                        "stream_reader: cdc");
        assertNothingWritten(db);
    }

    @Test
    void unknownTopLevelKey() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db) + "wherehouse: /tmp/elsewhere\n");
        String line = fails(2, "backfill", "-c", config.toString());
        assertThat(line)
                .contains(
                        "'wherehouse'",
                        "unknown key",
                        "Fix",
                        "[catalog, delete, job, parquet, source, storage, tables, verify, warehouse]");
        assertNothingWritten(db);
    }

    @Test
    void unknownTable() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db).replace("name: public.events", "name: public.evnets"));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains("tables[0].name", "public.evnets", "does not exist", db, "Fix");
        }
        assertNothingWritten(db);
    }

    @Test
    void textWindowColumnWithGranularity() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                                + " label text NOT NULL);"
                                + "ALTER TABLE events REPLICA IDENTITY FULL");
        Path config = config(yaml(db).replace("column: at,", "column: label,"));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "tables[0].window",
                            "public.events.label",
                            "has type text",
                            "granularity window needs timestamp, timestamptz or date",
                            "Fix");
        }
        assertNothingWritten(db);
    }

    @Test
    void integerWindowColumnWithGranularity() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db).replace("column: at,", "column: n,"));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "tables[0].window",
                            "public.events.n",
                            "has type int4",
                            "granularity window needs",
                            "Fix: use 'range: N' for an integer column");
        }
        assertNothingWritten(db);
    }

    @Test
    void timestampWindowColumnWithRange() {
        String db = databaseWith(EVENTS);
        Path config =
                config(
                        yaml(db).replace(
                                        "{column: at, granularity: daily}",
                                        "{column: at, range: 1000}"));
        String line = fails(2, "backfill", "-c", config.toString());
        assertThat(line)
                .contains(
                        "tables[0].window",
                        "public.events.at",
                        "has type timestamptz",
                        "range window needs smallint, integer or bigint",
                        "Fix: use 'granularity' for a time column");
        assertNothingWritten(db);
    }

    @Test
    void nullableWindowColumn() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, n integer NOT NULL)");
        Path config = config(yaml(db));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "tables[0].window.column",
                            "public.events.at is nullable",
                            "Fix: ALTER TABLE \"public\".\"events\" ALTER COLUMN \"at\" SET NOT NULL");
        }
        assertNothingWritten(db);
    }

    @Test
    void unsupportedColumnType() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                                + " n integer NOT NULL, price money)");
        Path config = config(yaml(db));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "public.events.price",
                            "has type money",
                            "cannot archive",
                            "Fix",
                            "docs/types.md");
        }
        assertNothingWritten(db);
    }

    @Test
    void toastableColumnWithoutReplicaIdentityFull() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                                + " n integer NOT NULL, note text)");
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", replicating(command, yaml(db)).toString());
            assertThat(line)
                    .contains(
                            "public.events",
                            "REPLICA IDENTITY is not FULL",
                            "Fix: ALTER TABLE \"public\".\"events\" REPLICA IDENTITY FULL");
        }
        assertNothingWritten(db);
    }

    @Test
    void tableWithoutPrimaryKeyAndNoKey() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL,"
                                + " n integer NOT NULL)");
        Path config = config(yaml(db));
        for (String command : List.of("backfill", "run")) {
            String line = fails(2, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "tables[0]",
                            "public.events has no primary key",
                            "Fix: add a primary key",
                            "key: [columns]");
        }
        assertNothingWritten(db);
    }

    /**
     * Publishing a table whose rows have no replica identity would make PostgreSQL refuse every
     * UPDATE and DELETE of it, the application's too: refused before anything is published; with
     * the printed fix the table is archived, its publication leaves deletes and truncates out, and
     * the application's updates and deletes go on working.
     */
    @Test
    void tableWithoutReplicaIdentity() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL,"
                                + " n integer NOT NULL)",
                        "INSERT INTO events VALUES (1, '2024-01-15 10:00+00', 1),"
                                + " (2, '2024-01-16 10:00+00', 2)");
        String yaml = yaml(db, EVENTS_YAML + "    key: [id]\n");
        String line = null;
        for (String command : List.of("backfill", "run")) {
            line = fails(2, command, "-c", replicating(command, yaml).toString());
            assertThat(line)
                    .contains(
                            "table public.events has no replica identity (REPLICA IDENTITY DEFAULT"
                                    + " and no primary key)",
                            "publication \"" + db + "\"",
                            "PostgreSQL refuses every UPDATE and DELETE of it",
                            "Fix: ALTER TABLE \"public\".\"events\" REPLICA IDENTITY FULL");
        }
        assertNothingWritten(db);
        EmbeddedPostgres.execute(db, line.substring(line.indexOf("Fix: ") + "Fix: ".length()));

        Result ok = permafrost("backfill", "-c", replicating("backfill", yaml).toString());
        assertThat(ok.code()).as("exit code after the fix; stderr: %s", ok.err()).isZero();
        assertThat(ok.out()).contains("2 windows, 2 rows");
        try (Connection c = EmbeddedPostgres.connect(db)) {
            assertThat(
                            strings(
                                    c,
                                    "SELECT concat_ws(',', pubinsert, pubupdate, pubdelete, pubtruncate)"
                                            + " FROM pg_publication"))
                    .as("insert, update, delete, truncate published")
                    .containsExactly("t,t,f,f");
            try (Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("UPDATE events SET n = n + 1")).isEqualTo(2);
                assertThat(s.executeUpdate("DELETE FROM events WHERE id = 1")).isEqualTo(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A unique index as the replica identity is enough for a table without a primary key. */
    @Test
    void replicaIdentityUsingIndexIsEnough() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL,"
                                + " n integer NOT NULL)",
                        "CREATE UNIQUE INDEX events_id ON events (id)",
                        "ALTER TABLE events REPLICA IDENTITY USING INDEX events_id",
                        "INSERT INTO events VALUES (1, '2024-01-15 10:00+00', 1)");
        String yaml = yaml(db, EVENTS_YAML + "    key: [id]\n");
        Result ok = permafrost("backfill", "-c", replicating("backfill", yaml).toString());
        assertThat(ok.code()).as("exit code; stderr: %s", ok.err()).isZero();
        assertThat(ok.out()).contains("1 window, 1 row, 1 file, 1 Iceberg snapshot");
        EmbeddedPostgres.execute(db, "DROP INDEX events_id");
        String line = fails(2, "run", "-c", config(yaml).toString());
        assertThat(line)
                .contains(
                        "table public.events has no replica identity (REPLICA IDENTITY USING"
                                + " INDEX, but that index is gone)");
    }

    @Test
    void replicaIdentityNothing() {
        String db = databaseWith(EVENTS, "ALTER TABLE events REPLICA IDENTITY NOTHING");
        String line = fails(2, "run", "-c", config(yaml(db)).toString());
        assertThat(line)
                .contains(
                        "table public.events has no replica identity (REPLICA IDENTITY NOTHING)",
                        "Fix: ALTER TABLE \"public\".\"events\" REPLICA IDENTITY FULL");
        assertNothingWritten(db);
    }

    /**
     * REPLICA IDENTITY FULL on a partitioned table does not reach its partitions: each partition is
     * checked and named.
     */
    @Test
    void partitionWithoutReplicaIdentityFull() {
        String db =
                databaseWith(
                        "CREATE TABLE events (id bigint, at timestamptz NOT NULL, n integer NOT NULL,"
                                + " note text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                        "CREATE TABLE \"Events 2024\" PARTITION OF events"
                                + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                        "ALTER TABLE events REPLICA IDENTITY FULL",
                        "INSERT INTO events VALUES (1, '2024-01-15 10:00+00', 1, 'a'),"
                                + " (2, '2024-01-16 10:00+00', 2, 'b')");
        String line = null;
        for (String command : List.of("backfill", "run")) {
            line = fails(2, command, "-c", replicating(command, yaml(db)).toString());
            assertThat(line)
                    .contains(
                            "table public.events has columns whose values PostgreSQL may store out"
                                    + " of line (TOAST), and the REPLICA IDENTITY of"
                                    + " public.Events 2024 is not FULL (PostgreSQL does not pass a"
                                    + " table's REPLICA IDENTITY down to its partitions)",
                            "Fix: ALTER TABLE \"public\".\"Events 2024\" REPLICA IDENTITY FULL");
        }
        assertNothingWritten(db);
        EmbeddedPostgres.execute(db, line.substring(line.indexOf("Fix: ") + "Fix: ".length()));

        Result ok = permafrost("backfill", "-c", replicating("backfill", yaml(db)).toString());
        assertThat(ok.code()).as("exit code after the fix; stderr: %s", ok.err()).isZero();
        assertThat(ok.out()).contains("2 windows, 2 rows");
    }

    /** A publication the user made that leaves out updates would lose every updated row. */
    @Test
    void publicationThatDoesNotPublishUpdates() throws SQLException {
        String db = databaseWith(EVENTS);
        EmbeddedPostgres.execute(
                db, "CREATE PUBLICATION \"" + db + "\" FOR TABLE events WITH (publish = 'insert')");
        String line = fails(1, "run", "-c", config(yaml(db)).toString());
        assertThat(line)
                .contains(
                        "publication \"" + db + "\" publishes only [insert]",
                        "Fix: ALTER PUBLICATION \"" + db + "\" SET (publish = 'insert, update')");
        try (Connection c = EmbeddedPostgres.connect(db)) {
            assertThat(strings(c, "SELECT pubupdate::text FROM pg_publication"))
                    .as("the user's publication, unchanged")
                    .containsExactly("false");
            assertThat(Files.exists(dir.resolve("warehouse"))).as("warehouse created").isFalse();
        }
    }

    /** A mistake in the second table must not let the first one be created. */
    @Test
    void aBadSecondTableWritesNothingForTheFirst() {
        String db =
                databaseWith(
                        EVENTS,
                        "CREATE TABLE other (id bigint PRIMARY KEY, at timestamptz NOT NULL, price money)");
        Path config =
                config(
                        yaml(
                                db,
                                "  - name: public.events\n"
                                        + "    window: {column: at, granularity: daily}\n"
                                        + "  - name: public.other\n"
                                        + "    window: {column: at, granularity: daily}\n"));
        String line = fails(2, "backfill", "-c", config.toString());
        assertThat(line).contains("public.other.price", "money", "Fix");
        assertNothingWritten(db);
    }

    // ---------------------------------------------------------------- the database itself

    /**
     * A user without the rights Permafrost needs is told each missing right, one at a time, before
     * anything is written; running each printed fix as SQL leads to a working backfill.
     */
    @Test
    void unprivilegedUserIsToldEachMissingRight() {
        String db =
                databaseWith(
                        EVENTS,
                        "INSERT INTO events VALUES (1, '2024-01-15 10:00+00', 1),"
                                + " (2, '2024-01-16 10:00+00', 2)");
        String user = db + "_user";
        String quoted = '"' + user + '"';
        EmbeddedPostgres.execute(db, "CREATE ROLE " + user + " LOGIN");
        Path config =
                replicating(
                        "backfill", yaml(EmbeddedPostgres.port(), db, user, "unused", EVENTS_YAML));
        List<List<String>> steps =
                List.of(
                        List.of(
                                "may not use logical replication",
                                "Fix: ALTER ROLE " + quoted + " REPLICATION"),
                        List.of(
                                "cannot read table public.events",
                                "Fix: GRANT SELECT ON \"public\".\"events\" TO " + quoted),
                        List.of(
                                "cannot create the heartbeat table public.permafrost_hb_",
                                "Fix: GRANT CREATE ON SCHEMA public TO " + quoted),
                        List.of(
                                "cannot create publication \"" + db + "\"",
                                "Fix: GRANT CREATE ON DATABASE \"" + db + "\" TO " + quoted),
                        List.of(
                                "must own table public.events to add it to publication",
                                "Fix: ALTER TABLE \"public\".\"events\" OWNER TO " + quoted));
        for (List<String> step : steps) {
            String line = fails(1, "backfill", "-c", config.toString());
            assertThat(line).contains("user " + quoted).contains(step);
            assertNothingWritten(db);
            EmbeddedPostgres.execute(db, line.substring(line.indexOf("Fix: ") + "Fix: ".length()));
        }
        Result ok = permafrost("backfill", "-c", config.toString());
        assertThat(ok.code()).as("exit code with every right; stderr: %s", ok.err()).isZero();
        assertThat(ok.out()).contains("2 windows, 2 rows");
    }

    /** The checks alone are read-only, and a superuser passes them without grants. */
    @Test
    void preflightChecksWriteNothing() throws Exception {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db));
        try (Connection c = EmbeddedPostgres.connect(db)) {
            assertThat(new SourcePreflight(ConfigLoader.load(config)).check(c)).hasSize(1);
        }
        assertNothingWritten(db);
    }

    @Test
    void walLevelNotLogical() throws Exception {
        String db = replicaDatabaseWith(EVENTS);
        String yaml = yaml(replica.getPort(), db, "postgres", "postgres", EVENTS_YAML);
        for (String command : List.of("backfill", "run")) {
            String line = fails(1, command, "-c", replicating(command, yaml).toString());
            assertThat(line)
                    .contains(
                            "wal_level must be 'logical'",
                            "is 'replica'",
                            "Fix: run ALTER SYSTEM SET wal_level = logical",
                            "restart PostgreSQL");
        }
        try (Connection c = connectReplica(db, "postgres", "postgres")) {
            assertNothingWritten(c);
        }
    }

    /**
     * A backfill read by binary COPY reads one exported snapshot: it needs SELECT and nothing of
     * logical replication, so it archives history from a server with {@code wal_level = replica},
     * as a user without REPLICATION, a table whose TOASTable columns lack REPLICA IDENTITY FULL,
     * and publishes, creates and changes nothing in the database.
     */
    @Test
    void backfillByCopyNeedsOnlySelect() throws Exception {
        String db =
                replicaDatabaseWith(
                        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL,"
                                + " n integer NOT NULL, note text)",
                        "INSERT INTO events VALUES (1, '2024-01-15 10:00+00', 1, 'a'),"
                                + " (2, '2024-01-16 10:00+00', 2, repeat('b', 100000))",
                        "DROP ROLE IF EXISTS reader",
                        "CREATE ROLE reader LOGIN",
                        "GRANT SELECT ON events TO reader");
        Path config = config(yaml(replica.getPort(), db, "reader", "unused", EVENTS_YAML));

        Result ok = permafrost("backfill", "-c", config.toString());

        assertThat(ok.code()).as("exit code; stderr: %s", ok.err()).isZero();
        assertThat(ok.out()).contains("2 windows, 2 rows");
        try (Connection c = connectReplica(db, "postgres", "postgres")) {
            assertThat(strings(c, "SELECT pubname FROM pg_publication"))
                    .as("publications")
                    .isEmpty();
            assertThat(strings(c, "SELECT slot_name FROM pg_replication_slots"))
                    .as("slots")
                    .isEmpty();
            assertThat(strings(c, "SELECT relname FROM pg_class WHERE relname LIKE 'permafrost%'"))
                    .as("heartbeat tables")
                    .isEmpty();
            assertThat(
                            strings(
                                    c,
                                    "SELECT relreplident::text FROM pg_class WHERE relname = 'events'"))
                    .as("replica identity")
                    .containsExactly("d");
        }
    }

    @Test
    void wrongPassword() throws Exception {
        String db = replicaDatabaseWith(EVENTS);
        Path config = config(yaml(replica.getPort(), db, "archiver", "wrong", EVENTS_YAML));
        for (String command : List.of("backfill", "run")) {
            String line = fails(1, command, "-c", config.toString());
            assertThat(line)
                    .contains(
                            "cannot connect to PostgreSQL at archiver@localhost:"
                                    + replica.getPort()
                                    + "/"
                                    + db,
                            "password authentication failed for user \"archiver\"",
                            "Fix: check source.user and source.password");
        }
        try (Connection c = connectReplica(db, "postgres", "postgres")) {
            assertNothingWritten(c);
        }
    }

    // ---------------------------------------------------------------- command-line mistakes

    @Test
    void untilIsNotADate() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db));
        String line = fails(2, "backfill", "-c", config.toString(), "--until", "not-a-date");
        assertThat(line)
                .contains(
                        "option '--until'",
                        "'not-a-date' is not a date or timestamp",
                        "Fix",
                        "2024-01-31");
        assertNothingWritten(db);
    }

    @Test
    void picocliUsageErrors() {
        String db = databaseWith(EVENTS);
        Path config = config(yaml(db));

        Result unknown = permafrost("backfill", "-c", config.toString(), "--bogus");
        assertThat(unknown.code()).as("exit code; stderr: %s", unknown.err()).isEqualTo(2);
        assertThat(unknown.errorLines()).hasSize(1);
        assertThat(unknown.errorLines().get(0)).contains("Unknown option", "--bogus");
        assertThat(unknown.err()).contains("Try 'permafrost backfill --help'");

        for (String command : List.of("backfill", "run")) {
            Result missing = permafrost(command);
            assertThat(missing.code()).as("exit code; stderr: %s", missing.err()).isEqualTo(2);
            assertThat(missing.errorLines()).hasSize(1);
            assertThat(missing.errorLines().get(0))
                    .contains("Missing required option", "--config=FILE");
            assertThat(missing.err()).contains("Try 'permafrost " + command + " --help'");
        }

        Result noCommand = permafrost("archive", "-c", config.toString());
        assertThat(noCommand.code()).as("exit code; stderr: %s", noCommand.err()).isEqualTo(2);
        assertThat(noCommand.errorLines()).hasSize(1);
        assertThat(noCommand.errorLines().get(0)).contains("archive");

        String line = fails(2, "backfill", "-c", dir.resolve("nope.yaml").toString());
        assertThat(line).contains("cannot read config file", "nope.yaml", "does not exist", "Fix");

        assertNothingWritten(db);
    }

    // ---------------------------------------------------------------- helpers

    static final String EVENTS =
            "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, n integer NOT NULL)";

    static final String EVENTS_YAML =
            "  - name: public.events\n    window: {column: at, granularity: daily}\n";

    record Result(int code, String out, String err) {
        List<String> errorLines() {
            return err.lines().filter(l -> l.startsWith("permafrost: ")).toList();
        }
    }

    /** Runs {@code permafrost args...} as a user types it. */
    static Result permafrost(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs the command, expects {@code code} and exactly one "permafrost: " line; returns it. */
    static String fails(int code, String... args) {
        Result r = permafrost(args);
        assertThat(r.code())
                .as("exit code of %s; stderr: %s", String.join(" ", args), r.err())
                .isEqualTo(code);
        assertThat(r.err().lines().toList())
                .as("stderr of %s", String.join(" ", args))
                .hasSize(1)
                .allSatisfy(l -> assertThat(l).startsWith("permafrost: "));
        assertThat(r.out()).as("stdout of %s", String.join(" ", args)).isEmpty();
        return r.err().strip();
    }

    String yaml(String db) {
        return yaml(db, EVENTS_YAML);
    }

    String yaml(String db, String tables) {
        return yaml(EmbeddedPostgres.port(), db, "postgres", "postgres", tables);
    }

    String yaml(int port, String db, String user, String password, String tables) {
        return "source:\n"
                + "  host: localhost\n"
                + "  port: "
                + port
                + "\n"
                + "  database: "
                + db
                + "\n"
                + "  user: "
                + user
                + "\n"
                + "  password: "
                + password
                + "\n"
                + "  slot: "
                + db
                + "\n"
                + "tables:\n"
                + tables
                + "warehouse: "
                + dir.resolve("warehouse")
                + "\n"
                + "job:\n"
                + "  parallelism: 1\n"
                + "  state_backend: hashmap\n";
    }

    Path config(String yaml) {
        Path file = dir.resolve("permafrost.yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * The config file for a command that reads through logical replication: {@code run} as it is,
     * {@code backfill} with {@code snapshot_reader: cdc} (a backfill by binary COPY needs none).
     */
    Path replicating(String command, String yaml) {
        return config(
                command.equals("backfill")
                        ? yaml.replace("tables:\n", "  snapshot_reader: cdc\ntables:\n")
                        : yaml);
    }

    static String databaseWith(String... sql) {
        String db = EmbeddedPostgres.newDatabase("badinput");
        EmbeddedPostgres.execute(db, sql);
        return db;
    }

    static int replicaDatabases;

    static String replicaDatabaseWith(String... sql) throws SQLException {
        String db = "badinput_replica_" + ++replicaDatabases;
        try (Connection c = connectReplica("postgres", "postgres", "postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        try (Connection c = connectReplica(db, "postgres", "postgres");
                Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
            s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO archiver");
        }
        return db;
    }

    static Connection connectReplica(String db, String user, String password) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + replica.getPort() + "/" + db, user, password);
    }

    /** No warehouse (nor anything else) next to the config, and nothing in the database. */
    void assertNothingWritten(String db) {
        try (Connection c = EmbeddedPostgres.connect(db)) {
            assertNothingWritten(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void assertNothingWritten(Connection c) throws SQLException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("files next to the config")
                    .containsOnly("permafrost.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(Files.exists(dir.resolve("warehouse"))).as("warehouse created").isFalse();
        assertThat(strings(c, "SELECT pubname FROM pg_publication")).as("publications").isEmpty();
        assertThat(
                        strings(
                                c,
                                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'permafrost_hb_%'"))
                .as("heartbeat tables")
                .isEmpty();
        assertThat(
                        strings(
                                c,
                                "SELECT slot_name FROM pg_replication_slots"
                                        + " WHERE database = current_database()"))
                .as("replication slots")
                .isEmpty();
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
