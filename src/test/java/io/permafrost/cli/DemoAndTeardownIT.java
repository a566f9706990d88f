package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoAndTeardownIT {

    @TempDir Path dir;

    @Test
    void demoRunsTheWholeFlowEndToEnd() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        Path demo = dir.resolve("demo");
        int code =
                cl.execute(
                        "demo", "--dir", demo.toString(), "--rows", "3000", "--live-seconds", "6");
        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString())
                .contains("3 windows, 3000 rows, 3 files, 3 Iceberg snapshots")
                .contains("3 windows, 3001 rows, 4 files, 4 Iceberg snapshots")
                .contains("(1 amendment)")
                .contains("read_parquet(");
        assertThat(demo.resolve("permafrost.yaml")).exists();
        // A second demo may reuse its own directory, but never a directory it did not make.
        Path foreign = Files.createDirectories(dir.resolve("mine"));
        assertThat(cl.execute("demo", "--dir", foreign.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("was not made by 'permafrost demo'");
    }

    @Test
    void teardownDropsSlotPublicationAndHeartbeatTableDryRunTouchesNothing() throws Exception {
        String db = EmbeddedPostgres.newDatabase("teardown");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE t (id int PRIMARY KEY, at date NOT NULL)",
                "INSERT INTO t VALUES (1, date '2024-01-01')");
        String table = "  - name: t\n    window: {column: at, granularity: daily}\n";
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        // A backfill by COPY creates nothing in the database, one by Flink CDC what a run does.
        Path config = TestConfig.write(dir, db, table, "");
        assertThat(cl.execute("backfill", "-c", config.toString())).isZero();
        assertThat(objects(db)).isEqualTo("slots=0 publications=0 heartbeat_tables=0");
        config = TestConfig.write(dir, db, table, "", "  snapshot_reader: cdc\n");
        assertThat(cl.execute("backfill", "-c", config.toString())).isZero();
        EmbeddedPostgres.execute(
                db,
                "SELECT pg_create_logical_replication_slot('"
                        + db
                        + "', 'pgoutput')"
                        + " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '"
                        + db
                        + "')");
        assertThat(objects(db)).isEqualTo("slots=1 publications=1 heartbeat_tables=1");

        assertThat(cl.execute("teardown", "-c", config.toString(), "--dry-run")).isZero();
        assertThat(out.toString())
                .contains("would drop replication slot " + db, "would drop publication " + db);
        assertThat(objects(db)).isEqualTo("slots=1 publications=1 heartbeat_tables=1");

        assertThat(cl.execute("teardown", "-c", config.toString())).isZero();
        assertThat(objects(db)).isEqualTo("slots=0 publications=0 heartbeat_tables=0");

        // What a backfill of an earlier version left: a heartbeat table without a slot.
        EmbeddedPostgres.execute(db, "CREATE TABLE permafrost_hb_" + db + " (slot text)");
        assertThat(cl.execute("teardown", "-c", config.toString(), "--dry-run")).isZero();
        assertThat(objects(db)).isEqualTo("slots=0 publications=0 heartbeat_tables=1");
        assertThat(cl.execute("teardown", "-c", config.toString())).isZero();
        assertThat(out.toString())
                .contains(
                        "would drop heartbeat table public.permafrost_hb_"
                                + db
                                + " (it has no replication slot)",
                        "dropping heartbeat table public.permafrost_hb_" + db);
        assertThat(objects(db)).isEqualTo("slots=0 publications=0 heartbeat_tables=0");
    }

    private static String objects(String db) throws Exception {
        try (Connection c = EmbeddedPostgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT (SELECT count(*) FROM pg_replication_slots WHERE database = current_database()),"
                                        + " (SELECT count(*) FROM pg_publication),"
                                        + " (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'permafrost_hb_%')")) {
            rs.next();
            return "slots="
                    + rs.getInt(1)
                    + " publications="
                    + rs.getInt(2)
                    + " heartbeat_tables="
                    + rs.getInt(3);
        }
    }
}
