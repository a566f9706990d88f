package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigLoader;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Columns of domain types archive as the types the domains are over (a domain over a domain, a
 * domain's own type modifier, the window column a domain too), by every reader, and verify; arrays
 * of domains, which Debezium drops, are refused and can be left out.
 */
class DomainTypesIT {

    static final String D14 = "year=2024/month=01/day=14";
    static final String D15 = "year=2024/month=01/day=15";

    static final String[] SCHEMA = {
        "CREATE DOMAIN utc_time AS timestamptz NOT NULL",
        "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')",
        "CREATE DOMAIN work_email AS email",
        "CREATE DOMAIN price AS numeric(12,2)",
        "CREATE DOMAIN tags AS text[]",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, at utc_time, contact work_email, balance"
                + " price, cc email[], labels tags)",
        "ALTER TABLE accounts REPLICA IDENTITY FULL",
        "INSERT INTO accounts SELECT g, timestamptz '2024-01-14 00:00:00+00' + g * interval '30"
                + " minutes', 'user' || g || '@example.com', g * 1.5, ARRAY['a' || g || '@x.org',"
                + " NULL], ARRAY['l' || g] FROM generate_series(0, 95) g"
    };

    static final String EXCLUDED = "    exclude_columns: [cc, labels]\n";

    @TempDir Path dir;

    @Test
    void domainsArchiveAsTheTypesTheyAreOver() throws Exception {
        String db = EmbeddedPostgres.newDatabase("domain_types");
        EmbeddedPostgres.execute(db, SCHEMA);
        // Debezium drops columns of arrays of domains: refused, like other arrays it cannot read.
        Path refused = TestConfig.write(dir, db, table(""), "");
        Cli plain = Cli.run("backfill", "-c", refused.toString());
        assertThat(plain.code).as("%s", plain).isEqualTo(2);
        assertThat(plain.err).contains("accounts.cc has type email[]: arrays of email");
        Cli overArray =
                Cli.run(
                        "backfill",
                        "-c",
                        TestConfig.write(dir, db, table("    exclude_columns: [cc]\n"), "")
                                .toString());
        assertThat(overArray.code).as("%s", overArray).isEqualTo(2);
        assertThat(overArray.err).contains("accounts.labels has type tags[]: arrays of tags");

        Path config = TestConfig.write(dir, db, table(EXCLUDED), "");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "accounts");
        Types.StructType schema = archive.table().schema().asStruct();
        assertThat(schema.fieldType("at")).isEqualTo(Types.TimestampType.withZone());
        assertThat(schema.fieldType("contact")).isEqualTo(Types.StringType.get());
        assertThat(schema.fieldType("balance")).isEqualTo(Types.DecimalType.of(12, 2));
        assertThat(archive.commits())
                .containsExactly("window " + D14 + " 48", "window " + D15 + " 48");
        assertThat(row(archive.records(), 3L)).isEqualTo("user3@example.com 4.50");

        // The stream names the domains' own type oids; the run checks them against the plan.
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO accounts VALUES (500, '2024-01-14 12:34:00+00', 'late@example.com',"
                        + " 12.25, ARRAY['b@x.org'], NULL)");
        JobClient run =
                new ArchiveRunner(
                                ConfigLoader.load(config),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO accounts VALUES (501, '2024-01-15 01:00:00+00', 'wal@example.com',"
                            + " 7.10, NULL, ARRAY['x'])");
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.records())
                                            .extracting(r -> r.getField("id"))
                                            .contains(500L, 501L));
        } finally {
            run.cancel().get();
        }
        List<Record> records = archive.records();
        assertThat(row(records, 500L)).isEqualTo("late@example.com 12.25");
        assertThat(row(records, 501L)).isEqualTo("wal@example.com 7.10");

        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
    }

    @Test
    void flinkCdcReadsDomainsAsTheTypesTheyAreOver() throws Exception {
        String db = EmbeddedPostgres.newDatabase("domain_types_cdc");
        EmbeddedPostgres.execute(db, SCHEMA);
        Path config =
                TestConfig.write(
                        dir,
                        db,
                        table(EXCLUDED),
                        "",
                        "  snapshot_reader: cdc\n  stream_reader: cdc\n");
        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "accounts");
        assertThat(archive.records()).hasSize(96);
        assertThat(row(archive.records(), 3L)).isEqualTo("user3@example.com 4.50");

        // Debezium's decoding of the stream resolves the domains too.
        JobClient run =
                new ArchiveRunner(
                                ConfigLoader.load(config),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            ContinuousIT.awaitStreaming(db);
            EmbeddedPostgres.execute(
                    db,
                    "INSERT INTO accounts VALUES (501, '2024-01-15 01:00:00+00', 'wal@example.com',"
                            + " 7.10, NULL, ARRAY['x'])");
            await().atMost(Duration.ofMinutes(3))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.records())
                                            .extracting(r -> r.getField("id"))
                                            .contains(501L));
        } finally {
            run.cancel().get();
        }
        assertThat(row(archive.records(), 501L)).isEqualTo("wal@example.com 7.10");
        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
    }

    private static String row(List<Record> records, long id) {
        Record r =
                records.stream().filter(x -> x.getField("id").equals(id)).findFirst().orElseThrow();
        return r.getField("contact") + " " + ((BigDecimal) r.getField("balance")).toPlainString();
    }

    private static String table(String more) {
        return "  - name: accounts\n"
                + "    window: {column: at, granularity: daily}\n"
                + "    retention: 0s\n"
                + more;
    }
}
