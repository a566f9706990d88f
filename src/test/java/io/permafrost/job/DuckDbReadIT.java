package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.cli.Main;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The archive's Hive-style Parquet layout reads in DuckDB exactly as docs/querying.md shows, with
 * the same rows and typed values as PostgreSQL (bigint, text, timestamptz, numeric, bytea, uuid).
 */
class DuckDbReadIT {

    @TempDir Path dir;

    @Test
    void duckDbReadsTheBackfilledFilesWithHivePartitioning() throws Exception {
        String db = EmbeddedPostgres.newDatabase("duckdb");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,"
                        + " label text, amount numeric(20,2), payload bytea, plan uuid);"
                        + "ALTER TABLE events REPLICA IDENTITY FULL;",
                "INSERT INTO events SELECT g,"
                        + " timestamptz '2024-01-15 00:00:00+00' + g * interval '13 minutes 7.123456 seconds',"
                        + " CASE WHEN g % 4 = 0 THEN NULL ELSE 'event ' || g || ' ✓' END,"
                        + " CASE WHEN g % 4 = 1 THEN NULL ELSE g * 12345.67 - 99999 END,"
                        + " CASE WHEN g % 4 = 2 THEN NULL ELSE decode(md5(g::text), 'hex') END,"
                        + " CASE WHEN g % 4 = 3 THEN NULL ELSE md5('plan' || g)::uuid END"
                        + " FROM generate_series(1, 300) g");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: public.events\n"
                                + "    window: {column: created_at, granularity: daily}\n"
                                + "    close_after: 1h\n",
                        "");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("backfill", "-c", config.toString()))
                .as("exit code; stderr: %s", err)
                .isZero();

        List<String> expected = new ArrayList<>();
        try (Connection pg = EmbeddedPostgres.connect(db);
                Statement s = pg.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, label, (extract(epoch FROM created_at) * 1000000)::bigint,"
                                        + " amount, payload, plan,"
                                        + " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
                                        + " FROM events ORDER BY id")) {
            while (rs.next()) {
                expected.add(
                        row(
                                rs.getLong(1),
                                rs.getString(2),
                                rs.getLong(3),
                                rs.getBigDecimal(4),
                                rs.getBytes(5),
                                (UUID) rs.getObject(6),
                                rs.getString(7)));
            }
        }
        assertThat(expected).hasSize(300);

        String glob = dir.resolve("warehouse/public/events/data") + "/**/*.parquet";
        List<String> archived = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = duck.createStatement()) {
            try (ResultSet types =
                    s.executeQuery(
                            "SELECT typeof(created_at), typeof(amount), typeof(payload), typeof(plan)"
                                    + " FROM read_parquet('"
                                    + glob
                                    + "', hive_partitioning = true) LIMIT 1")) {
                assertThat(types.next()).isTrue();
                assertThat(
                                List.of(
                                        types.getString(1),
                                        types.getString(2),
                                        types.getString(3),
                                        types.getString(4)))
                        .containsExactly(
                                "TIMESTAMP WITH TIME ZONE", "DECIMAL(20,2)", "BLOB", "UUID");
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT id, label, epoch_us(created_at), amount, payload, plan::VARCHAR,"
                                    + " concat_ws('-', year, month, day), _op"
                                    + " FROM read_parquet('"
                                    + glob
                                    + "', hive_partitioning = true) ORDER BY id")) {
                while (rs.next()) {
                    String plan = rs.getString(6);
                    archived.add(
                            row(
                                    rs.getLong(1),
                                    rs.getString(2),
                                    rs.getLong(3),
                                    rs.getBigDecimal(4),
                                    rs.getBytes(5),
                                    plan == null ? null : UUID.fromString(plan),
                                    rs.getString(7)));
                    assertThat(rs.getString(8)).isEqualTo("r");
                }
            }
            // With typed partition columns, as docs/querying.md suggests for date arithmetic.
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT count(*), min(make_date(year, month, day))::VARCHAR,"
                                    + " max(make_date(year, month, day))::VARCHAR FROM read_parquet('"
                                    + glob
                                    + "', hive_partitioning = true,"
                                    + " hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER})")) {
                assertThat(rs.next()).isTrue();
                assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3)))
                        .containsExactly("300", "2024-01-15", "2024-01-17");
            }
        }
        assertThat(archived).isEqualTo(expected);
    }

    /** One row as text; the last field is the window (the Hive partition in DuckDB). */
    private static String row(
            long id,
            String label,
            long createdMicros,
            BigDecimal amount,
            byte[] payload,
            UUID plan,
            String day) {
        return String.join(
                " | ",
                Arrays.asList(
                        Long.toString(id),
                        Objects.toString(label),
                        Long.toString(createdMicros),
                        amount == null ? "null" : amount.toPlainString(),
                        payload == null ? "null" : HexFormat.of().formatHex(payload),
                        Objects.toString(plan),
                        day));
    }
}
