package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.cli.Main;
import io.permafrost.testing.Canonical;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** A backfill of an all-types, NULL-heavy table over three daily windows, read back exactly. */
public class BackfillIT {

    @TempDir Path dir;

    public static final String ALL_TYPES =
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
                    + "CREATE TABLE items ("
                    + " id bigint PRIMARY KEY, uploaded_at timestamptz NOT NULL,"
                    + " flag boolean, small smallint, num integer, big bigint, f4 real, f8 double precision,"
                    + " price numeric(20,0), amount numeric(10,3), anynum numeric,"
                    + " label text, code varchar(10), fixed char(4), payload bytea, plan uuid,"
                    + " day date, t time(0), t3 time(3), naive timestamp, doc jsonb, js json, m mood,"
                    + " tags text[], blobs bytea[], nums int[], addr inet, mac macaddr, addrs inet[]);"
                    + "ALTER TABLE items REPLICA IDENTITY FULL;";

    /** 300 rows over 2024-01-15..17 (UTC), about a third of the nullable values NULL. */
    public static final String ROWS =
            "INSERT INTO items SELECT g,"
                    + " timestamptz '2024-01-15 00:00:00+00' + (g * interval '14 minutes 23.456789 seconds'),"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE g % 2 = 0 END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE (g % 32000)::smallint END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE g * 7 END,"
                    + " CASE WHEN g % 4 = 0 THEN NULL ELSE g * 10000000000 END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL WHEN g = 5 THEN 'NaN'::real ELSE g / 3.0 END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL WHEN g = 7 THEN '-Infinity'::float8 ELSE g / 7.0 END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE 12345678901234567890 - g END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE g * 1.125 END,"
                    + " CASE WHEN g % 5 = 0 THEN NULL WHEN g = 8 THEN 'NaN' ELSE g * 1.000001 END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE 'label ' || g || ' ünïcødé ✓' END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE 'c' || g END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'f' || (g % 10) END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE decode(md5(g::text), 'hex') END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE md5(g::text)::uuid END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE date '2000-01-01' + g END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE time '00:00:00' + g * interval '1 minute 1 second' END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE time '10:00:00' + g * interval '1.001 second' END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE timestamp '1999-12-31 23:59:59.999999' + g * interval '1 hour' END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g)) END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE json_build_object('g', g) END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['sad','ok','happy'])[g % 3 + 1]::mood END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL WHEN g % 3 = 0 THEN ARRAY[]::text[] ELSE ARRAY['t' || g, NULL, 'x'] END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE ARRAY[decode('00ff', 'hex'), decode(md5(g::text), 'hex')] END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE ARRAY[g, g + 1, NULL] END,"
                    + " CASE WHEN g % 3 = 1 THEN NULL ELSE ('10.0.' || (g % 250) || '.1/' || (16 + g % 17))::inet END,"
                    + " CASE WHEN g % 3 = 2 THEN NULL ELSE ('08:00:2b:01:02:' || lpad(to_hex(g % 256), 2, '0'))::macaddr END,"
                    + " CASE WHEN g % 3 = 0 THEN NULL ELSE ARRAY['::1'::inet, ('192.168.1.' || (g % 250))::inet] END"
                    + " FROM generate_series(1, 300) g";

    /** Both snapshot readers archive every type value for value, as the WAL stream would. */
    @ParameterizedTest
    @ValueSource(strings = {"copy", "cdc"})
    void backfillArchivesEveryRowValueForValueOneSnapshotPerWindow(String snapshotReader)
            throws Exception {
        String db = EmbeddedPostgres.newDatabase("backfill_" + snapshotReader);
        // ANALYZE gives the planner the row counts that cut the table into several splits.
        EmbeddedPostgres.execute(db, ALL_TYPES, ROWS, "ANALYZE items");
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: public.items\n    window: {column: uploaded_at, granularity: daily}\n    close_after: 1h\n",
                        "");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace(
                                "  chunk_size: 500\n",
                                "  chunk_size: 50\n  snapshot_reader: " + snapshotReader + "\n"));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("backfill", "-c", config.toString());
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString()).contains("3 windows, 300 rows");

        // Source rows, value for value, keyed by id.
        Map<Long, List<String>> expected = new TreeMap<>();
        int columns;
        try (Connection c = EmbeddedPostgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM items")) {
            columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                expected.put(rs.getLong("id"), Canonical.row(rs));
            }
        }
        HadoopCatalog catalog =
                new HadoopCatalog(new Configuration(), dir.resolve("warehouse").toUri().toString());
        Table table = catalog.loadTable(TableIdentifier.of("public", "items"));
        Map<Long, List<String>> archived = new TreeMap<>();
        List<String> ops = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                List<String> previous =
                        archived.put((Long) r.getField("id"), Canonical.record(r, columns));
                assertThat(previous).as("row %s archived twice", r.getField("id")).isNull();
                ops.add(r.getField("_op") + "/" + r.getField("_lsn"));
            }
        }
        assertThat(archived.keySet()).isEqualTo(expected.keySet());
        List<String> mismatches = new ArrayList<>();
        expected.forEach(
                (id, row) -> {
                    List<String> got = archived.get(id);
                    for (int i = 0; i < row.size(); i++) {
                        if (!row.get(i).equals(got.get(i))) {
                            mismatches.add(
                                    "id "
                                            + id
                                            + " column "
                                            + (i + 1)
                                            + ": source "
                                            + row.get(i)
                                            + " archive "
                                            + got.get(i));
                        }
                    }
                });
        assertThat(mismatches)
                .as("values that differ between PostgreSQL and the archive")
                .isEmpty();
        assertThat(ops).containsOnly("r/0");

        // One snapshot per window, with the window's summary.
        List<String> windows = new ArrayList<>();
        long rows = 0;
        for (Snapshot s : table.snapshots()) {
            assertThat(s.summary()).containsEntry("permafrost.kind", "window");
            windows.add(s.summary().get("permafrost.window"));
            rows += Long.parseLong(s.summary().get("permafrost.rows"));
        }
        assertThat(windows)
                .containsExactlyInAnyOrder(
                        "year=2024/month=01/day=15",
                        "year=2024/month=01/day=16",
                        "year=2024/month=01/day=17");
        assertThat(rows).isEqualTo(300);

        // Hive-style directories, readable with plain parquet-java.
        Path data = dir.resolve("warehouse/public/items/data");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(data)) {
            files =
                    walk.filter(
                                    p ->
                                            p.getFileName().toString().endsWith(".parquet")
                                                    && !p.getFileName().toString().startsWith("."))
                            .toList();
        }
        assertThat(files).isNotEmpty();
        long parquetRows = 0;
        for (Path f : files) {
            assertThat(data.relativize(f.getParent()).toString())
                    .matches("year=2024/month=01/day=1[567]");
            try (ParquetFileReader reader =
                    ParquetFileReader.open(
                            HadoopInputFile.fromPath(
                                    new org.apache.hadoop.fs.Path(f.toUri()),
                                    new Configuration()))) {
                parquetRows += reader.getRecordCount();
                assertThat(reader.getFooter().getFileMetaData().getSchema().getFieldCount())
                        .isEqualTo(columns + 3);
            }
        }
        assertThat(parquetRows).isEqualTo(300);
    }
}
