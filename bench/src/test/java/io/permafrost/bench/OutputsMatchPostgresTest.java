package io.permafrost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.permafrost.bench.measure.SinkLimit;
import io.permafrost.bench.measure.UsersScript;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baselines must write the same data Permafrost archives, or their speed means nothing: the
 * Parquet of the sink limit (2, 3) and of the users' script (4) hold exactly the rows of the seed
 * table, value for value. (No timing here.)
 */
class OutputsMatchPostgresTest {

    private static EmbeddedPostgres pg;
    private static Params base;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
        base = new Params().set("pg.port", pg.getPort());
        try (Connection c = Pg.connect(base, "postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE enc");
            s.execute("CREATE DATABASE users");
        }
        LocalDate from = LocalDate.of(2024, 2, 27);
        Pg.createSeedTable(base, "enc", from, 3, 3000, n -> {});
        Pg.createSeedTable(base, "users", from, 3, 3000, n -> {});
        // Values the sample rows never have: the extremes of numeric(20,0), negative numbers,
        // empty arrays and NULL elements.
        Pg.execute(
                base,
                "enc",
                "INSERT INTO permanent_data_items (data_item_id, owner_public_address, byte_count,"
                        + " uploaded_date, assessed_winston_price, plan_id, planned_date,"
                        + " signature_type, failed_bundles, content_type) VALUES"
                        + " ('\\x00', '\\x', -1, '1999-12-31 23:59:59.999999+00', 99999999999999999999,"
                        + "  '00000000-0000-0000-0000-000000000000', '2000-01-01 00:00:00+00', -32768,"
                        + "  ARRAY[]::bytea[], ''),"
                        + " ('\\x01', '\\xff', 9223372036854775807, '2024-02-28 12:00:00.5+00',"
                        + "  -99999999999999999999, 'ffffffff-ffff-ffff-ffff-ffffffffffff',"
                        + "  '2262-01-01 00:00:00+00', 32767, ARRAY[NULL, '\\x0102']::bytea[], 'ü'),"
                        + " ('\\x02', '\\x02', 0, '2024-02-28 00:00:00+00', 0,"
                        + "  '12345678-1234-1234-1234-123456789abc', '2024-02-28 00:00:00+00', 0,"
                        + "  ARRAY['\\x', '\\x00']::bytea[], NULL),"
                        + " ('\\x03', '\\x03', 1, '2024-02-28 00:00:00+00', -1,"
                        + "  '12345678-1234-1234-1234-123456789abd', '2024-02-28 00:00:00+00', 1,"
                        + "  NULL, NULL),"
                        + " ('\\x04', '\\x04', 1, '2024-02-28 00:00:00+00', 10000000000000000,"
                        + "  '12345678-1234-1234-1234-123456789abe', '2024-02-28 00:00:00+00', 1,"
                        + "  NULL, NULL)");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Test
    void sinkLimitParquetHoldsTheTable(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        try (Connection c = Pg.connect(base, "enc")) {
            Pg.copyBinary(c, "SELECT * FROM " + Pg.TABLE, copy);
        }
        Path file = dir.resolve("t.parquet");
        long[] n = SinkLimit.encode(new ByteArrayInputStream(copy.toByteArray()), file);
        assertEquals(3005, n[0]);
        assertEquals(postgresRows("enc"), parquetRows(file));
    }

    @Test
    void usersScriptParquetHoldsTheTable(@TempDir Path dir) throws Exception {
        List<String> expected = postgresRows("users");
        String psql = Machine.which("psql");
        for (String exporter : psql == null ? List.of("") : List.of("", psql)) {
            Path out = dir.resolve(exporter.isEmpty() ? "jdbc" : "psql");
            Params r =
                    new UsersScript()
                            .run(
                                    base.copy()
                                            .set("db", "users")
                                            .set("psql", exporter)
                                            .set("out.dir", out));
            assertEquals(3000, r.getLong("rows"), r.get("exporter"));
            assertEquals(
                    expected,
                    parquetRows(out.resolve(Pg.TABLE + ".zstd.parquet")),
                    r.get("exporter"));
        }
    }

    /** One canonical text per row, in key order. */
    private static List<String> postgresRows(String db) throws SQLException {
        String us = "(extract(epoch from %s) * 1000000)::bigint";
        String sql =
                "SELECT concat_ws('|', encode(data_item_id, 'hex'), encode(owner_public_address, 'hex'),"
                        + " byte_count, "
                        + us.formatted("uploaded_date")
                        + ", assessed_winston_price, plan_id, "
                        + us.formatted("planned_date")
                        + ", coalesce(encode(bundle_id, 'hex'), 'N'), coalesce(("
                        + us.formatted("permanent_date")
                        + ")::text, 'N'), coalesce(block_height::text, 'N'),"
                        + " coalesce(data_start::text, 'N'), coalesce(signature_type::text, 'N'),"
                        + " CASE WHEN failed_bundles IS NULL THEN 'N' ELSE '[' || coalesce((SELECT"
                        + "  string_agg(coalesce(encode(x, 'hex'), 'N'), ';' ORDER BY o)"
                        + "  FROM unnest(failed_bundles) WITH ORDINALITY AS u(x, o)), '') || ']' END,"
                        + " coalesce(content_type, 'N'), coalesce(premium_feature_type, 'N'),"
                        + " coalesce(deadline_height::text, 'N'))"
                        + " FROM permanent_data_items ORDER BY data_item_id";
        try (Connection c = Pg.connect(base, db)) {
            return strings(c, sql);
        }
    }

    private static List<String> parquetRows(Path file) throws SQLException {
        String sql =
                "SELECT concat_ws('|', lower(hex(data_item_id)), lower(hex(owner_public_address)),"
                        + " byte_count, epoch_us(uploaded_date), assessed_winston_price, plan_id,"
                        + " epoch_us(planned_date), coalesce(lower(hex(bundle_id)), 'N'),"
                        + " coalesce(epoch_us(permanent_date)::VARCHAR, 'N'),"
                        + " coalesce(block_height::VARCHAR, 'N'), coalesce(data_start::VARCHAR, 'N'),"
                        + " coalesce(signature_type::VARCHAR, 'N'),"
                        + " CASE WHEN failed_bundles IS NULL THEN 'N' ELSE '[' || array_to_string("
                        + "  list_transform(failed_bundles, x -> coalesce(lower(hex(x)), 'N')), ';') || ']' END,"
                        + " coalesce(content_type, 'N'), coalesce(premium_feature_type, 'N'),"
                        + " coalesce(deadline_height::VARCHAR, 'N'))"
                        + " FROM read_parquet('"
                        + file
                        + "') ORDER BY data_item_id";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            return strings(c, sql);
        }
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
