package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * 4. The script users write instead: {@code psql} exports the table as CSV to a file, then DuckDB
 * ({@code read_csv} → {@code COPY ... (FORMAT parquet, COMPRESSION zstd)}) writes one Parquet file,
 * turning the CSV's hex {@code bytea} and array text back into blobs and a list of blobs, so the
 * file holds the same types as Permafrost's. Without a {@code psql} client the export falls back to
 * the JDBC driver's CopyManager (same COPY, same CSV); the result says which ran.
 */
public final class UsersScript implements Child.Measure {

    static final String EXPORT =
            "COPY (SELECT * FROM " + Pg.TABLE + ") TO STDOUT WITH (FORMAT csv, HEADER)";

    @Override
    public Params run(Params in) throws Exception {
        Path dir = Path.of(in.get("out.dir"));
        Files.createDirectories(dir);
        Path csv = dir.resolve(Pg.TABLE + ".csv");
        Path parquet = dir.resolve(Pg.TABLE + ".zstd.parquet");
        String psql = in.get("psql", "");

        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = duck.createStatement()) {
            // Load DuckDB's native library before timing: a duckdb CLI would not pay for that.
            String duckVersion;
            try (ResultSet rs = s.executeQuery("SELECT version()")) {
                rs.next();
                duckVersion = rs.getString(1);
            }
            Child.Cpu cpu = Child.Cpu.start(in);
            long t0 = System.nanoTime();
            String exporter = export(in, psql, csv);
            double exportSeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            s.execute(duckdbCopy(csv, parquet));
            double duckSeconds = (System.nanoTime() - t1) / 1e9;
            Params out = cpu.stop(new Params());
            if (!psql.isEmpty()) {
                exporter = psql + " (" + version(psql) + ")";
            }
            long rows;
            try (ResultSet rs =
                    s.executeQuery("SELECT count(*) FROM read_parquet('" + parquet + "')")) {
                rs.next();
                rows = rs.getLong(1);
            }
            long csvBytes = Files.size(csv);
            Files.delete(csv);
            return out.set("rows", rows)
                    .set("seconds", exportSeconds + duckSeconds)
                    .set("out_bytes", Files.size(parquet))
                    .set("files", 1)
                    .set("windows", 1)
                    .set("exporter", exporter)
                    .set(
                            "notes",
                            String.format(
                                    "export: %s %.1f s (CSV %,.0f MB), DuckDB %s read_csv -> Parquet ZSTD %.1f s (all cores, one file, no windows, no Iceberg)",
                                    exporter,
                                    exportSeconds,
                                    csvBytes / 1e6,
                                    duckVersion,
                                    duckSeconds));
        }
    }

    /** The CSV export, with psql when there is one; returns what ran. */
    private static String export(Params in, String psql, Path csv) throws Exception {
        if (!psql.isEmpty()) {
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    psql,
                                    "-X",
                                    "-q",
                                    "-v",
                                    "ON_ERROR_STOP=1",
                                    "-h",
                                    "localhost",
                                    "-p",
                                    in.get("pg.port"),
                                    "-U",
                                    "postgres",
                                    "-d",
                                    in.get("db"),
                                    "-c",
                                    EXPORT)
                            .redirectOutput(csv.toFile())
                            .redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            env.put("PGPASSWORD", "postgres");
            env.put("PGTZ", "UTC");
            int rc = pb.start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException(psql + " exited with " + rc);
            }
            return psql;
        }
        try (Connection c = Pg.connect(in, in.get("db"));
                OutputStream out = Files.newOutputStream(csv)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET TimeZone = 'UTC'");
            }
            c.unwrap(PGConnection.class).getCopyAPI().copyOut(EXPORT, out);
        }
        return "JDBC CopyManager (no psql client found)";
    }

    static String duckdbCopy(Path csv, Path parquet) {
        List<String[]> cols =
                List.of(
                        new String[] {"data_item_id", "VARCHAR"},
                        new String[] {"owner_public_address", "VARCHAR"},
                        new String[] {"byte_count", "BIGINT"},
                        new String[] {"uploaded_date", "TIMESTAMPTZ"},
                        new String[] {"assessed_winston_price", "DECIMAL(20,0)"},
                        new String[] {"plan_id", "UUID"},
                        new String[] {"planned_date", "TIMESTAMPTZ"},
                        new String[] {"bundle_id", "VARCHAR"},
                        new String[] {"permanent_date", "TIMESTAMPTZ"},
                        new String[] {"block_height", "INTEGER"},
                        new String[] {"data_start", "INTEGER"},
                        new String[] {"signature_type", "SMALLINT"},
                        new String[] {"failed_bundles", "VARCHAR"},
                        new String[] {"content_type", "VARCHAR"},
                        new String[] {"premium_feature_type", "VARCHAR"},
                        new String[] {"deadline_height", "INTEGER"});
        StringBuilder types = new StringBuilder();
        for (String[] c : cols) {
            types.append(types.length() == 0 ? "" : ", ")
                    .append('\'')
                    .append(c[0])
                    .append("': '")
                    .append(c[1])
                    .append('\'');
        }
        return "COPY (SELECT"
                + " unhex(substr(data_item_id, 3)) AS data_item_id,"
                + " unhex(substr(owner_public_address, 3)) AS owner_public_address,"
                + " byte_count, uploaded_date, assessed_winston_price, plan_id, planned_date,"
                + " unhex(substr(bundle_id, 3)) AS bundle_id,"
                + " permanent_date, block_height, data_start, signature_type,"
                // {"\\x0a1b..","\\x..."}: strip braces, split, strip quotes and the \\x prefix
                + " list_transform(string_split(trim(failed_bundles, '{}'), ','),"
                + "   x -> unhex(substr(trim(x, '\"'), 4))) AS failed_bundles,"
                + " content_type, premium_feature_type, deadline_height"
                + " FROM read_csv('"
                + csv
                + "', header = true, auto_detect = false, columns = {"
                + types
                + "}))"
                + " TO '"
                + parquet
                + "' (FORMAT parquet, COMPRESSION zstd)";
    }

    private static String version(String psql) {
        try {
            Process p = new ProcessBuilder(psql, "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            return v;
        } catch (Exception e) {
            return "version unknown";
        }
    }
}
