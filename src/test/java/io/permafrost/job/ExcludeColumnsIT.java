package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigLoader;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowState;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table with columns Permafrost cannot archive ({@code tsvector}, {@code money}, a range) is
 * refused as a whole, naming the fix; with those columns in {@code exclude_columns} it is
 * backfilled, streamed and verified without them, by either snapshot reader.
 */
class ExcludeColumnsIT {

    static final String D14 = "year=2024/month=01/day=14";
    static final String D15 = "year=2024/month=01/day=15";

    static final String TABLE =
            "CREATE TABLE readings (id bigint PRIMARY KEY, at timestamptz NOT NULL, value double"
                    + " precision, doc tsvector, price money, span int4range, note text)";

    static final String ROWS =
            "INSERT INTO readings SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval"
                    + " '30 minutes', g / 4.0, to_tsvector('english', 'reading number ' || g),"
                    + " (g * 1.25)::numeric::money, int4range(g, g + 10), 'note ' || g FROM"
                    + " generate_series(0, 95) g";

    static final String EXCLUDED = "    exclude_columns: [doc, price, span]\n";

    @TempDir Path dir;

    @Test
    void excludedColumnsAreLeftOutOfTheBackfillTheRunAndVerification() throws Exception {
        String db = EmbeddedPostgres.newDatabase("exclude_columns");
        EmbeddedPostgres.execute(db, TABLE, "ALTER TABLE readings REPLICA IDENTITY FULL", ROWS);

        Path refused = TestConfig.write(dir, db, table(""), "");
        Cli plain = Cli.run("backfill", "-c", refused.toString());
        assertThat(plain.code).as("%s", plain).isEqualTo(2);
        assertThat(plain.err)
                .contains("readings.doc has type tsvector")
                .contains("list it in the table's exclude_columns");

        Cli unknown =
                Cli.run(
                        "backfill",
                        "-c",
                        TestConfig.write(dir, db, table("    exclude_columns: [doc, colour]\n"), "")
                                .toString());
        assertThat(unknown.code).as("%s", unknown).isEqualTo(2);
        assertThat(unknown.err)
                .contains("tables[0].exclude_columns")
                .contains("has no column 'colour'");
        Cli key =
                Cli.run(
                        "backfill",
                        "-c",
                        TestConfig.write(
                                        dir,
                                        db,
                                        table("    exclude_columns: [doc, price, span, id]\n"),
                                        "")
                                .toString());
        assertThat(key.code).as("%s", key).isEqualTo(2);
        assertThat(key.err).contains("'id' is in the primary key");
        Archive archive = new Archive(dir.resolve("warehouse"), "readings");
        assertThat(archive.exists()).as("nothing created by a refused start").isFalse();

        Path config = TestConfig.write(dir, db, table(EXCLUDED), "");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        assertThat(archive.table().schema().columns())
                .extracting(Types.NestedField::name)
                .containsExactly("id", "at", "value", "note", "_op", "_lsn", "_commit_ts");
        assertThat(archive.commits())
                .containsExactly("window " + D14 + " 48", "window " + D15 + " 48");

        // A run streams the same columns: a late insert, and an update of an excluded column only.
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO readings VALUES (500, '2024-01-14 12:34:00+00', 5.5, 'late', 7,"
                        + " '[1,2)', 'late row')",
                "UPDATE readings SET price = 99, doc = 'changed' WHERE id = 60");
        JobClient run =
                new ArchiveRunner(
                                ConfigLoader.load(config),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .contains(
                                                    "amendment " + D14 + " 1",
                                                    "amendment " + D15 + " 1"));
        } finally {
            run.cancel().get();
        }
        List<Record> records = archive.records();
        assertThat(records).hasSize(96 + 2);
        assertThat(records)
                .filteredOn(r -> r.getField("id").equals(500L))
                .extracting(r -> r.getField("value") + " " + r.getField("note"))
                .containsExactly("5.5 late row");
        assertThat(records)
                .filteredOn(r -> r.getField("id").equals(60L))
                .extracting(r -> r.getField("note") + " " + r.getField("value"))
                .containsExactly("note 60 15.0", "note 60 15.0");

        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
        ManifestStore manifests = new ManifestStore(dir.resolve("warehouse").toUri().toString());
        for (String window : List.of(D14, D15)) {
            assertThat(manifests.read("public.readings", window).orElseThrow().state())
                    .as("%s: %s", window, verify)
                    .isEqualTo(WindowState.VERIFIED);
        }
    }

    @Test
    void flinkCdcSnapshotReadsATableWithExcludedColumns() throws Exception {
        String db = EmbeddedPostgres.newDatabase("exclude_columns_cdc");
        EmbeddedPostgres.execute(db, TABLE, "ALTER TABLE readings REPLICA IDENTITY FULL", ROWS);
        Path config = TestConfig.write(dir, db, table(EXCLUDED), "", "  snapshot_reader: cdc\n");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "readings");
        List<Record> records = archive.records();
        assertThat(records).hasSize(96);
        assertThat(records)
                .filteredOn(r -> r.getField("id").equals(7L))
                .extracting(r -> r.getField("value") + " " + r.getField("note"))
                .containsExactly("1.75 note 7");
        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
    }

    private static String table(String more) {
        return "  - name: readings\n"
                + "    window: {column: at, granularity: daily}\n"
                + "    retention: 0s\n"
                + more;
    }
}
