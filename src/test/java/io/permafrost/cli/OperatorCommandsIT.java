package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.permafrost.config.ConfigLoader;
import io.permafrost.job.ArchiveRunner;
import io.permafrost.manifest.ManifestStore;
import io.permafrost.manifest.WindowManifest;
import io.permafrost.manifest.WindowState;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * status, list, fetch and validate on one real archive: three tables backfilled from a real
 * PostgreSQL, one window amended by a real {@code run}, windows verified, one FAILED by a change in
 * PostgreSQL, one deleted by the proven delete, one never verified.
 *
 * <pre>
 *   public.events (daily)   day=15 DELETED   day=16 FAILED   day=17 COMMITTED (amended after its
 *                           manifest)   day=18 VERIFIED   day=19 COMMITTED (no manifest)
 *   public.blocks (range)   height=0-99 .. height=300-399 VERIFIED (the last closed by the run)
 *   public.items  (daily)   all types, never verified
 * </pre>
 */
class OperatorCommandsIT {

    static final String D15 = "year=2024/month=01/day=15";
    static final String D16 = "year=2024/month=01/day=16";
    static final String D17 = "year=2024/month=01/day=17";
    static final String D18 = "year=2024/month=01/day=18";
    static final String D19 = "year=2024/month=01/day=19";

    static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @TempDir static Path dir;
    static String db;
    static Path config;
    static Path warehouse;
    static long blocksMax;

    @BeforeAll
    static void archive() throws Exception {
        db = EmbeddedPostgres.newDatabase("ops");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text,"
                        + " payload bytea, tags text[], amount numeric(10,2))",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                // 96 rows a day from 2024-01-15 to 2024-01-19
                "INSERT INTO events SELECT g, timestamptz '2024-01-15 00:00:00+00' + g * interval '15 minutes',"
                        + " CASE WHEN g % 3 = 0 THEN NULL WHEN g = 2 THEN 'say \"hi\", bye'"
                        + " WHEN g = 4 THEN '' WHEN g = 5 THEN E'two\\nlines' ELSE 'note ' || g END,"
                        + " CASE WHEN g % 4 = 0 THEN NULL ELSE sha256(g::text::bytea) END,"
                        + " CASE WHEN g % 5 = 0 THEN NULL ELSE ARRAY['a', 'b' || g] END,"
                        + " g * 1.5 FROM generate_series(0, 479) g",
                "CREATE TABLE blocks (height bigint PRIMARY KEY, hash bytea NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL",
                "INSERT INTO blocks SELECT g, sha256(g::text::bytea) FROM generate_series(0, 349) g",
                "CREATE TABLE items (id bigint PRIMARY KEY, at timestamptz NOT NULL, flag boolean,"
                        + " f4 real, f8 float8, anynum numeric, plan uuid, day date, t time(3),"
                        + " naive timestamp, doc jsonb, blobs bytea[], nums int[])",
                "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, timestamptz '2024-01-15 00:00:00+00' + g * interval '1 hour',"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE g % 2 = 0 END,"
                        + " CASE WHEN g = 5 THEN 'NaN'::real WHEN g % 3 = 0 THEN NULL ELSE g / 4.0 END,"
                        + " CASE WHEN g = 7 THEN '-Infinity'::float8 WHEN g % 3 = 1 THEN NULL ELSE g / 8.0 END,"
                        + " CASE WHEN g = 8 THEN 'NaN' WHEN g % 5 = 0 THEN NULL ELSE g * 1.000001 END,"
                        + " md5(g::text)::uuid, date '2000-01-01' + g,"
                        + " time '10:00:00' + g * interval '1.001 second',"
                        + " timestamp '1999-12-31 23:59:59.999999' + g * interval '1 hour',"
                        + " jsonb_build_object('g', g),"
                        + " ARRAY[decode('00ff', 'hex'), decode(md5(g::text), 'hex')],"
                        + " CASE WHEN g % 2 = 0 THEN NULL ELSE ARRAY[g, g + 1, NULL] END"
                        + " FROM generate_series(0, 47) g");
        config =
                TestConfig.write(
                        dir,
                        db,
                        "  - name: events\n    window: {column: at, granularity: daily}\n"
                                + "  - name: blocks\n    window: {column: height, range: 100}\n"
                                + "  - name: items\n    window: {column: at, granularity: daily}\n",
                        "");
        warehouse = dir.resolve("warehouse");
        ok(Cli.run("backfill", "-c", config.toString()));

        // day=17 verified now, amended below: its manifest then covers older snapshots
        ok(
                Cli.run(
                        "verify",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--from",
                        D17,
                        "--to",
                        D18));

        JobClient run =
                new ArchiveRunner(
                                ConfigLoader.load(config),
                                new ArchiveRunner.Options(false, null, false))
                        .start();
        try {
            // Heights read from the WAL close height=300-399: once it is committed, the job
            // streams the WAL, and changes made now reach the archive as changes.
            AtomicInteger height = new AtomicInteger(400);
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(
                            () -> {
                                EmbeddedPostgres.execute(
                                        db,
                                        "INSERT INTO blocks VALUES ("
                                                + height.getAndIncrement()
                                                + ", '\\x00')");
                                return new Archive(warehouse, "blocks")
                                        .commits().stream()
                                                .anyMatch(c -> c.contains("height=300-399"));
                            });
            EmbeddedPostgres.execute(
                    db,
                    "BEGIN; UPDATE events SET note = 'updated' WHERE id = 202;"
                            + " INSERT INTO events VALUES (5000, timestamptz '2024-01-17 08:00:00+00',"
                            + " 'late', NULL, ARRAY[]::text[], 1.25); COMMIT");
            await().atMost(Duration.ofMinutes(2))
                    .until(
                            () ->
                                    new Archive(warehouse, "events")
                                            .commits().stream()
                                                    .anyMatch(
                                                            c -> c.startsWith("amendment " + D17)));
        } finally {
            run.cancel().get();
        }
        blocksMax = count("SELECT max(height) FROM blocks");

        // a change PostgreSQL makes while no job runs: day=16 no longer matches its archive
        EmbeddedPostgres.execute(db, "UPDATE events SET note = 'changed' WHERE id = 100");
        Cli failing = Cli.run("verify", "-c", config.toString(), "--table", "events", "--to", D17);
        assertThat(failing.code).as("%s", failing).isEqualTo(1);
        ok(
                Cli.run(
                        "verify",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--from",
                        D18,
                        "--to",
                        D19));
        ok(Cli.run("verify", "-c", config.toString(), "--table", "blocks"));
        // only windows that ended at least this long ago: day=15 (day=18 is VERIFIED but younger)
        long hours =
                Duration.between(Instant.parse("2024-01-17T00:00:00Z"), Instant.now()).toHours();
        Cli delete =
                Cli.run(
                        "delete",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--older-than",
                        hours + "h");
        ok(delete);
        assertThat(delete.out).contains("1 window(s) deleted: 96 rows");
        // --to is exclusive: the same window twice is an empty range, refused with the fix
        Cli empty =
                Cli.run(
                        "replay",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--from",
                        D19,
                        "--to",
                        D19);
        assertThat(empty.code).as("%s", empty).isEqualTo(2);
        assertThat(empty.err)
                .contains(
                        "--to",
                        "is not after --from",
                        "--from " + D19 + " --to year=2024/month=01/day=20");
        // day=19 re-exported from PostgreSQL: one Iceberg overwrite replaces its files
        ok(
                Cli.run(
                        "replay",
                        "-c",
                        config.toString(),
                        "--table",
                        "events",
                        "--from",
                        D19,
                        "--to",
                        "2024-01-20"));
        assertThat(new Archive(warehouse, "events").commits()).contains("replay " + D19 + " 96");
        assertThat(manifest(D15).state()).isEqualTo(WindowState.DELETED);
        assertThat(manifest(D16).state()).isEqualTo(WindowState.FAILED);
        assertThat(manifest(D17).state()).isEqualTo(WindowState.VERIFIED);
        assertThat(manifest(D17).snapshotIds()).hasSize(1);
        assertThat(manifest(D18).state()).isEqualTo(WindowState.VERIFIED);
        assertThat(count("SELECT count(*) FROM events WHERE at < '2024-01-16'")).isZero();
    }

    // ---------------------------------------------------------------- status

    @Test
    void statusCountsWindowsPerStateAndTheArchiveLag() throws Exception {
        Cli text = ok(Cli.run("status", "-c", config.toString()));
        assertThat(line(text.out, "public.events"))
                .matches(
                        "public\\.events\\s+5\\s+2\\s+1\\s+0\\s+1\\s+1\\s+482\\s+.*"
                                + " year=2024/month=01/day=19\\s+\\d+d \\d+h");
        assertThat(line(text.out, "public.blocks"))
                .matches(
                        "public\\.blocks\\s+4\\s+0\\s+4\\s+0\\s+0\\s+0\\s+350\\s+.*"
                                + " height=300-399\\s+"
                                + (blocksMax - 400)
                                + " \\(height\\)");

        Cli json = ok(Cli.run("status", "-c", config.toString(), "--json"));
        Map<String, JsonNode> byTable = byField(JSON.readTree(json.out), "table");
        assertThat(byTable).containsOnlyKeys("public.events", "public.blocks", "public.items");
        JsonNode events = byTable.get("public.events");
        assertThat(events.get("windows").asInt()).isEqualTo(5);
        assertThat(events.get("committed").asInt()).isEqualTo(2);
        assertThat(events.get("verified").asInt()).isEqualTo(1);
        assertThat(events.get("failed").asInt()).isEqualTo(1);
        assertThat(events.get("deleting").asInt()).isZero();
        assertThat(events.get("deleted").asInt()).isEqualTo(1);
        assertThat(events.get("rows").asLong()).isEqualTo(482); // 5 x 96 + update + late insert
        assertThat(events.get("bytes").asLong()).isEqualTo(icebergBytes("events"));
        assertThat(events.get("latestWindow").asText()).isEqualTo(D19);
        assertThat(events.get("latestWindowEnd").asText()).isEqualTo("2024-01-20T00:00:00Z");
        long expectedLag =
                Duration.between(Instant.parse("2024-01-20T00:00:00Z"), Instant.now()).getSeconds();
        assertThat(events.get("lagSeconds").asLong()).isBetween(expectedLag - 120, expectedLag);

        JsonNode blocks = byTable.get("public.blocks");
        assertThat(blocks.get("verified").asInt()).isEqualTo(4);
        assertThat(blocks.get("latestWindowEnd").asLong()).isEqualTo(400);
        assertThat(blocks.get("sourceMax").asLong()).isEqualTo(blocksMax);
        assertThat(blocks.get("lagValues").asLong()).isEqualTo(blocksMax - 400);
        assertThat(blocks.has("lagUnknown")).isFalse();

        JsonNode items = byTable.get("public.items");
        assertThat(items.get("windows").asInt()).isEqualTo(2);
        assertThat(items.get("committed").asInt()).isEqualTo(2);
        assertThat(items.get("rows").asLong()).isEqualTo(48);

        Cli one = ok(Cli.run("status", "-c", config.toString(), "--table", "blocks", "--json"));
        assertThat(JSON.readTree(one.out)).hasSize(1);
        Cli unknown = Cli.run("status", "-c", config.toString(), "--table", "nope");
        assertThat(unknown.code).as("%s", unknown).isEqualTo(2);
        assertThat(unknown.err)
                .contains("option '--table': 'nope' is not a table of this config")
                .contains("public.events", "public.blocks", "public.items");
    }

    @Test
    void withTheDatabaseUnreachableStatusShowsTheRangeLagAsUnknownAndListAndFetchStillWork()
            throws Exception {
        Path offline = dir.resolve("offline.yaml");
        Files.writeString(
                offline,
                Files.readString(config).replace("port: " + EmbeddedPostgres.port(), "port: 1"));

        Cli text = ok(Cli.run("status", "-c", offline.toString()));
        assertThat(line(text.out, "public.blocks")).endsWith("unknown");
        assertThat(line(text.out, "public.events")).matches(".*\\d+d \\d+h$");
        assertThat(text.err)
                .contains("archive lag of public.blocks is unknown")
                .contains("cannot connect to PostgreSQL");
        Cli json = ok(Cli.run("status", "-c", offline.toString(), "--json"));
        JsonNode blocks = byField(JSON.readTree(json.out), "table").get("public.blocks");
        assertThat(blocks.get("lagValues").isNull()).isTrue();
        assertThat(blocks.get("lagUnknown").asText()).contains("cannot connect");
        assertThat(blocks.get("verified").asInt()).isEqualTo(4);

        Cli list = ok(Cli.run("list", "-c", offline.toString(), "--json"));
        assertThat(JSON.readTree(list.out)).hasSize(5 + 4 + 2);
        Cli fetch =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                offline.toString(),
                                "-t",
                                "events",
                                "--from",
                                D15,
                                "--to",
                                D16));
        assertThat(records(fetch.out)).hasSize(96);
    }

    // ---------------------------------------------------------------- list

    @Test
    void listShowsEveryWindowWithItsStateRowsSizeAndTimes() throws Exception {
        Cli text = ok(Cli.run("list", "-c", config.toString(), "--table", "events"));
        WindowManifest m15 = manifest(D15);
        assertThat(line(text.out, D15))
                .matches(
                        "public\\.events\\s+"
                                + D15
                                + "\\s+DELETED\\s+96\\s+"
                                + Human.bytes(m15.bytes()).replace(".", "\\.")
                                + "\\s+\\S+Z\\s+"
                                + Instant.parse(m15.verifiedAt())
                                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                + "\\s+"
                                + Instant.parse(m15.deletedAt())
                                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                + "\\s*");
        assertThat(line(text.out, D16))
                .contains("FAILED", "same row count (96) but the content differs");
        assertThat(line(text.out, D17))
                .contains("COMMITTED", " 98 ", "manifest (VERIFIED) covers 1 of 2 snapshots");
        assertThat(line(text.out, D18)).contains("VERIFIED", " 96 ");
        // replayed: 96 rows and the size of the replacing files only
        assertThat(line(text.out, D19))
                .matches(
                        ".*COMMITTED\\s+96\\s+"
                                + Human.bytes(icebergBytes("events", D19)).replace(".", "\\.")
                                + "\\s+.*Z\\s+-\\s+-\\s+replayed; run verify");
        assertThat(text.out)
                .contains(
                        "5 window(s), 482 rows, "
                                + Human.bytes(icebergBytes("events"))
                                + ": 2 committed, 1 verified, 1 failed, 1 deleted");

        Cli failed = ok(Cli.run("list", "-c", config.toString(), "--state", "FAILED"));
        assertThat(windowsOf(failed.out)).containsExactly(D16);
        Cli some =
                ok(
                        Cli.run(
                                "list",
                                "-c",
                                config.toString(),
                                "--state",
                                "committed,deleted",
                                "--table",
                                "events"));
        assertThat(windowsOf(some.out)).containsExactly(D15, D17, D19);
        Cli range =
                ok(
                        Cli.run(
                                "list",
                                "-c",
                                config.toString(),
                                "-t",
                                "public.events",
                                "--from",
                                "2024-01-16",
                                "--to",
                                D18));
        assertThat(windowsOf(range.out)).containsExactly(D16, D17);
        Cli heights =
                ok(
                        Cli.run(
                                "list",
                                "-c",
                                config.toString(),
                                "-t",
                                "blocks",
                                "--from",
                                "100",
                                "--to",
                                "300"));
        assertThat(windowsOf(heights.out)).containsExactly("height=100-199", "height=200-299");

        Cli json = ok(Cli.run("list", "-c", config.toString(), "--json", "-t", "events"));
        Map<String, JsonNode> byWindow = byField(JSON.readTree(json.out), "window");
        assertThat(byWindow).containsOnlyKeys(D15, D16, D17, D18, D19);
        JsonNode d17 = byWindow.get(D17);
        assertThat(d17.get("state").asText()).isEqualTo("COMMITTED");
        assertThat(d17.get("manifestState").asText()).isEqualTo("VERIFIED");
        assertThat(d17.get("snapshots").asInt()).isEqualTo(2);
        assertThat(d17.get("manifestSnapshots").asInt()).isEqualTo(1);
        assertThat(d17.get("rows").asLong()).isEqualTo(98);
        assertThat(d17.get("windowStart").asText()).isEqualTo("2024-01-17T00:00:00Z");
        assertThat(d17.get("windowEnd").asText()).isEqualTo("2024-01-18T00:00:00Z");
        JsonNode d15 = byWindow.get(D15);
        assertThat(d15.get("state").asText()).isEqualTo("DELETED");
        assertThat(d15.get("deletedAt").asText()).isEqualTo(m15.deletedAt());
        assertThat(d15.get("verifiedAt").asText()).isEqualTo(m15.verifiedAt());
        assertThat(d15.get("bytes").asLong()).isEqualTo(m15.bytes());
        assertThat(d15.get("files").asInt()).isEqualTo(m15.files().size());
        assertThat(byWindow.get(D16).get("failure").asText())
                .contains("same row count (96) but the content differs");
        JsonNode d18 = byWindow.get(D18);
        assertThat(d18.get("state").asText()).isEqualTo("VERIFIED");
        assertThat(d18.get("bytes").asLong()).isEqualTo(manifest(D18).bytes());
        JsonNode d19 = byWindow.get(D19);
        assertThat(d19.get("state").asText()).isEqualTo("COMMITTED");
        assertThat(d19.get("snapshots").asInt()).isEqualTo(2);
        assertThat(d19.get("rows").asLong()).isEqualTo(96);
        assertThat(d19.get("bytes").asLong()).isEqualTo(icebergBytes("events", D19));
        assertThat(d19.get("note").asText()).isEqualTo("replayed; run verify");
        assertThat(d19.get("verifiedAt").isNull()).isTrue();
        assertThat(Instant.parse(d19.get("committedAt").asText())).isBefore(Instant.now());

        Cli bad = Cli.run("list", "-c", config.toString(), "--state", "DONE");
        assertThat(bad.code).as("%s", bad).isEqualTo(2);
        assertThat(bad.err)
                .contains("option '--state': 'DONE' is not a window state")
                .contains("[COMMITTED, VERIFIED, FAILED, DELETING, DELETED]");
        Cli badFrom = Cli.run("list", "-c", config.toString(), "--from", "yesterday");
        assertThat(badFrom.code).as("%s", badFrom).isEqualTo(2);
        assertThat(badFrom.err).contains("option '--from': 'yesterday' is not a window");
    }

    // ---------------------------------------------------------------- fetch

    @Test
    void fetchWritesCsvOfADeletedWindowWithExactValues() throws Exception {
        Cli csv =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "events",
                                "--from",
                                "2024-01-15",
                                "--to",
                                "2024-01-16"));
        assertThat(csv.out).startsWith("id,at,note,payload,tags,amount,_op,_lsn,_commit_ts\n");
        assertThat(csv.out.lines().filter(l -> l.matches("^\\d+,2024-01-15T.*"))).hasSize(96);
        assertThat(csv.out.lines())
                .contains(
                        "0,2024-01-15T00:00:00Z,,,,0.00,r,0,",
                        "2,2024-01-15T00:30:00Z,\"say \"\"hi\"\", bye\",\\x"
                                + sha256("2")
                                + ",\"[\"\"a\"\",\"\"b2\"\"]\",3.00,r,0,",
                        "4,2024-01-15T01:00:00Z,\"\",,\"[\"\"a\"\",\"\"b4\"\"]\",6.00,r,0,",
                        "7,2024-01-15T01:45:00Z,note 7,\\x"
                                + sha256("7")
                                + ",\"[\"\"a\"\",\"\"b7\"\"]\",10.50,r,0,");
        assertThat(csv.out)
                .contains(
                        "\n5,2024-01-15T01:15:00Z,\"two\nlines\",\\x"
                                + sha256("5")
                                + ",,7.50,r,0,\n");
        assertThat(csv.out).doesNotContain("permafrost");
        assertThat(csv.err)
                .contains("public.events " + D15 + ": 96 rows")
                .containsPattern("96 rows of 1 window\\(s\\) of public.events .* in \\d+\\.\\d s");
    }

    @Test
    void fetchJsonHasNaturalTypesEveryVersionAndOptionallyOnlyTheState() throws Exception {
        Cli json =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "events",
                                "--from",
                                D17,
                                "--to",
                                D18,
                                "--format",
                                "json"));
        JsonNode rows = JSON.readTree(json.out);
        assertThat(rows).hasSize(98);
        List<JsonNode> v202 = byId(rows, 202);
        assertThat(v202).hasSize(2);
        JsonNode before =
                v202.stream().filter(r -> r.get("_op").asText().equals("r")).findFirst().get();
        JsonNode after =
                v202.stream().filter(r -> r.get("_op").asText().equals("u")).findFirst().get();
        assertThat(before.get("note").asText()).isEqualTo("note 202");
        assertThat(before.get("_lsn").asLong()).isZero();
        assertThat(before.get("_commit_ts").isNull()).isTrue();
        assertThat(after.get("note").asText()).isEqualTo("updated");
        assertThat(after.get("_lsn").isIntegralNumber()).isTrue();
        assertThat(after.get("_lsn").asLong()).isPositive();
        assertThat(Instant.parse(after.get("_commit_ts").asText()))
                .isAfter(Instant.parse("2024-01-20T00:00:00Z"));
        assertThat(after.get("id").isIntegralNumber()).isTrue();
        assertThat(after.get("amount").decimalValue())
                .isEqualByComparingTo(new BigDecimal("303.00"));
        assertThat(after.get("amount").isNumber()).isTrue();
        assertThat(after.get("at").asText()).isEqualTo("2024-01-17T02:30:00Z");
        assertThat(after.get("tags").isArray()).isTrue();
        assertThat(after.get("tags").get(1).asText()).isEqualTo("b202");
        assertThat(after.get("payload").asText()).isEqualTo("\\x" + sha256("202"));
        JsonNode late = byId(rows, 5000).get(0);
        assertThat(late.get("_op").asText()).isEqualTo("c");
        assertThat(late.get("tags")).isEmpty();
        assertThat(late.get("payload").isNull()).isTrue();

        Cli state =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "events",
                                "--from",
                                D17,
                                "--to",
                                D18,
                                "--format",
                                "jsonl",
                                "--state-only"));
        List<JsonNode> newest = new ArrayList<>();
        for (String l : state.out.lines().toList()) {
            newest.add(JSON.readTree(l));
        }
        assertThat(newest).hasSize(97);
        assertThat(byId(newest, 202))
                .singleElement()
                .satisfies(r -> assertThat(r.get("note").asText()).isEqualTo("updated"));
        assertThat(state.err).contains("97 rows (newest version per key) of 1 window(s)");

        Path file = dir.resolve("out/later.jsonl");
        Files.createDirectories(file.getParent());
        Cli toFile =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "public.events",
                                "--from",
                                D18,
                                "--to",
                                "2024-01-20",
                                "--format",
                                "jsonl",
                                "-o",
                                file.toString()));
        assertThat(toFile.out).isEmpty();
        assertThat(toFile.err).contains("192 rows of 2 window(s)", "written to " + file);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(192);
        for (String l : lines) {
            assertThat(JSON.readTree(l).get("at").asText()).startsWith("2024-01-1");
        }
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertThat(s).containsExactly(file); // no temporary file left
        }
    }

    @Test
    void fetchRendersEveryTypeAndRefusesBadOptions() throws Exception {
        Cli jsonl =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "items",
                                "--from",
                                "2024-01-01",
                                "--to",
                                "2024-02-01",
                                "--format",
                                "jsonl"));
        Map<Long, JsonNode> items = new TreeMap<>();
        for (String l : jsonl.out.lines().toList()) {
            JsonNode n = JSON.readTree(l);
            items.put(n.get("id").asLong(), n);
        }
        assertThat(items).hasSize(48);
        JsonNode i5 = items.get(5L);
        assertThat(i5.get("f4").asText()).isEqualTo("NaN");
        assertThat(i5.get("flag").isBoolean()).isTrue();
        assertThat(i5.get("plan").asText()).isEqualTo(uuidOfMd5("5"));
        assertThat(i5.get("day").asText()).isEqualTo("2000-01-06");
        assertThat(i5.get("t").asText()).isEqualTo("10:00:05.005");
        assertThat(i5.get("naive").asText()).isEqualTo("2000-01-01T04:59:59.999999");
        assertThat(i5.get("doc").asText()).isEqualTo("{\"g\": 5}");
        assertThat(i5.get("blobs").get(0).asText()).isEqualTo("\\x00ff");
        assertThat(i5.get("nums").toString()).isEqualTo("[5,6,null]");
        assertThat(i5.get("at").asText()).isEqualTo("2024-01-15T05:00:00Z");
        assertThat(items.get(7L).get("f8").asText()).isEqualTo("-Infinity");
        assertThat(items.get(8L).get("anynum").asText()).isEqualTo("NaN");
        assertThat(items.get(9L).get("anynum").asText()).isEqualTo("9.000009");
        assertThat(items.get(11L).get("f8").decimalValue()).isEqualByComparingTo("1.375");
        assertThat(items.get(10L).get("f8").isNull()).isTrue();
        assertThat(items.get(10L).get("nums").isNull()).isTrue();

        Cli csv =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "items",
                                "--from",
                                "2024-01-15",
                                "--to",
                                "2024-01-16",
                                "--format",
                                "CSV"));
        assertThat(csv.out.lines())
                .contains(
                        "5,2024-01-15T05:00:00Z,false,NaN,0.625,,"
                                + uuidOfMd5("5")
                                + ",2000-01-06,10:00:05.005,2000-01-01T04:59:59.999999,"
                                + "\"{\"\"g\"\": 5}\",\"[\"\"\\\\x00ff\"\",\"\"\\\\x"
                                + md5("5")
                                + "\"\"]\",\"[5,6,null]\",r,0,");

        Cli format =
                Cli.run(
                        "fetch",
                        "-c",
                        config.toString(),
                        "-t",
                        "events",
                        "--from",
                        D15,
                        "--to",
                        D16,
                        "--format",
                        "xml");
        assertThat(format.code).as("%s", format).isEqualTo(2);
        assertThat(format.err)
                .contains("option '--format': 'xml' is not an output format")
                .contains("[csv, jsonl, json]");
        Cli missing = Cli.run("fetch", "-c", config.toString(), "-t", "events", "--from", D15);
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("--to");
        Cli none =
                ok(
                        Cli.run(
                                "fetch",
                                "-c",
                                config.toString(),
                                "-t",
                                "events",
                                "--from",
                                "2023-01-01",
                                "--to",
                                "2023-02-01",
                                "--format",
                                "json"));
        assertThat(JSON.readTree(none.out)).isEmpty();
        assertThat(none.err).contains("no committed window of public.events starts in");
    }

    // ---------------------------------------------------------------- validate

    @Test
    void validatePassesEveryArchivedFileAndCatchesTruncationCorruptionAndManifestMismatch()
            throws Exception {
        List<Path> all;
        try (Stream<Path> s = Files.walk(warehouse)) {
            all =
                    s.filter(p -> p.toString().endsWith(".parquet"))
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted()
                            .toList();
        }
        assertThat(all).hasSizeGreaterThan(10);
        Path results = dir.resolve("all-results.txt");
        Cli good =
                Cli.run(
                        "validate",
                        warehouse.toString(),
                        "-c",
                        config.toString(),
                        "--parallel",
                        "2",
                        "--results",
                        results.toString());
        assertThat(good.code).as("%s", good).isZero();
        assertThat(Files.readAllLines(results))
                .containsExactlyInAnyOrderElementsOf(all.stream().map(p -> "PASS|" + p).toList());
        assertThat(good.out).contains(all.size() + " file(s): " + all.size() + " passed, 0 failed");
        assertThat(good.err).contains("[" + all.size() + "/" + all.size() + "] PASS");

        Path original = dataFiles(D18).get(0);
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Path copy = Files.copy(original, bad.resolve("good.parquet"));
        Path truncated = Files.copy(original, bad.resolve("truncated.parquet"));
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(f.length() - 50);
        }
        Path corrupted = Files.copy(original, bad.resolve("corrupted.parquet"));
        long[] chunk = chunkOf(original, "note");
        try (RandomAccessFile f = new RandomAccessFile(corrupted.toFile(), "rw")) {
            long middle = chunk[0] + chunk[1] / 2;
            for (long p = middle; p < middle + 4; p++) {
                f.seek(p);
                int b = f.read();
                f.seek(p);
                f.write(b ^ 0xFF);
            }
        }
        // statistics that lie: the footer's min of id raised by one, so the smallest id read is
        // below it (the footer has no checksum, so the file opens and decodes fine)
        Path lying = Files.copy(original, bad.resolve("lying-stats.parquet"));
        long minId = minOf(original, "id");
        assertThat(replaceInFooter(lying, le(minId), le(minId + 1))).isPositive();
        Path badResults = dir.resolve("bad-results.txt");
        Cli mixed =
                Cli.run(
                        "validate",
                        bad.toString(),
                        "--parallel",
                        "2",
                        "--results",
                        badResults.toString());
        assertThat(mixed.code).as("%s", mixed).isEqualTo(1);
        Map<String, String> lines = new TreeMap<>();
        for (String l : Files.readAllLines(badResults)) {
            String[] parts = l.split("\\|", 3);
            lines.put(parts[1], parts[0] + (parts.length > 2 ? "|" + parts[2] : ""));
        }
        assertThat(lines)
                .containsOnlyKeys(
                        copy.toString(),
                        truncated.toString(),
                        corrupted.toString(),
                        lying.toString());
        assertThat(lines.get(copy.toString())).isEqualTo("PASS");
        assertThat(lines.get(truncated.toString()))
                .startsWith("FAIL|cannot read as Parquet")
                .contains("magic");
        assertThat(lines.get(corrupted.toString())).startsWith("FAIL|row group 0").contains("note");
        assertThat(lines.get(lying.toString()))
                .isEqualTo(
                        "FAIL|row group 0, column id: value "
                                + minId
                                + " was read, below the statistics' min "
                                + (minId + 1));
        assertThat(mixed.out).contains("4 file(s): 1 passed, 3 failed");

        // a manifest whose row count for the file disagrees with the file
        Path other = Files.createDirectories(dir.resolve("other"));
        Path otherConfig =
                Files.writeString(
                        other.resolve("permafrost.yaml"),
                        Files.readString(config)
                                .replace(
                                        warehouse.toString(),
                                        other.resolve("warehouse").toString()));
        ManifestStore store = new ManifestStore(other.resolve("warehouse").toString());
        WindowManifest m = manifest(D18);
        List<WindowManifest.FileEntry> files = new ArrayList<>();
        for (WindowManifest.FileEntry f : m.files()) {
            files.add(
                    Path.of(java.net.URI.create(asUri(f.path()))).equals(original)
                            ? new WindowManifest.FileEntry(f.path(), f.size(), f.rows() + 1)
                            : f);
        }
        store.write(withFiles(m, files));
        long fileRows = rowsOf(original);
        Path manifestResults = dir.resolve("manifest-results.txt");
        Cli mismatch =
                Cli.run(
                        "validate",
                        original.toString(),
                        "-c",
                        otherConfig.toString(),
                        "--results",
                        manifestResults.toString());
        assertThat(mismatch.code).as("%s", mismatch).isEqualTo(1);
        assertThat(Files.readAllLines(manifestResults))
                .containsExactly(
                        "FAIL|"
                                + original
                                + "|holds "
                                + fileRows
                                + " rows but the manifest of public.events "
                                + D18
                                + " says "
                                + (fileRows + 1));
        Cli matching =
                Cli.run(
                        "validate",
                        original.toString(),
                        "-c",
                        config.toString(),
                        "--results",
                        manifestResults.toString());
        assertThat(matching.code).as("%s", matching).isZero();
        assertThat(Files.readAllLines(manifestResults)).containsExactly("PASS|" + original);

        Cli missing =
                Cli.run(
                        "validate",
                        dir.resolve("nowhere").toString(),
                        "--results",
                        manifestResults.toString());
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("does not exist");
        Cli threads = Cli.run("validate", original.toString(), "--parallel", "0");
        assertThat(threads.code).isEqualTo(2);
        assertThat(threads.err).contains("option '--parallel'");
        Cli nothing = Cli.run("validate");
        assertThat(nothing.code).isEqualTo(2);
        Cli empty = Cli.run("validate", Files.createDirectories(dir.resolve("empty")).toString());
        assertThat(empty.code).isEqualTo(2);
        assertThat(empty.err).contains("holds no *.parquet files");
    }

    // ---------------------------------------------------------------- helpers

    private static Cli ok(Cli c) {
        assertThat(c.code).as("%s", c).isZero();
        return c;
    }

    private static WindowManifest manifest(String window) throws Exception {
        return new ManifestStore(warehouse.toString()).read("public.events", window).orElseThrow();
    }

    private static long count(String sql) throws Exception {
        try (Connection c = EmbeddedPostgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The one output line that contains {@code marker}. */
    private static String line(String out, String marker) {
        List<String> found = out.lines().filter(l -> l.contains(marker)).toList();
        assertThat(found).as("lines with %s in%n%s", marker, out).hasSize(1);
        return found.get(0).stripTrailing();
    }

    private static List<String> windowsOf(String listOutput) {
        return listOutput
                .lines()
                .filter(l -> l.startsWith("public."))
                .map(l -> l.split("\\s+")[1])
                .toList();
    }

    private static Map<String, JsonNode> byField(JsonNode array, String field) {
        Map<String, JsonNode> out = new TreeMap<>();
        array.forEach(n -> out.put(n.get(field).asText(), n));
        return out;
    }

    private static List<JsonNode> byId(Iterable<JsonNode> rows, long id) {
        List<JsonNode> out = new ArrayList<>();
        rows.forEach(
                r -> {
                    if (r.get("id").asLong() == id) {
                        out.add(r);
                    }
                });
        return out;
    }

    private static List<String> records(String csv) {
        return csv.lines().skip(1).filter(l -> l.matches("^\\d+,.*")).toList();
    }

    /** Bytes of the files the Iceberg table holds now (of one window, or all). */
    private static long icebergBytes(String table, String... window) throws Exception {
        long bytes = 0;
        try (CloseableIterable<FileScanTask> tasks =
                new Archive(warehouse, table).table().newScan().planFiles()) {
            for (FileScanTask t : tasks) {
                DataFile f = t.file();
                if (window.length == 0 || f.location().contains("/" + window[0] + "/")) {
                    bytes += f.fileSizeInBytes();
                }
            }
        }
        return bytes;
    }

    private static List<Path> dataFiles(String window) throws Exception {
        try (Stream<Path> s = Files.list(warehouse.resolve("public/events/data/" + window))) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    /** Start and length of a column's chunk in row group 0. */
    private static long[] chunkOf(Path file, String column) throws Exception {
        try (ParquetFileReader r =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.toUri()),
                                new org.apache.hadoop.conf.Configuration()))) {
            for (ColumnChunkMetaData c : r.getRowGroups().get(0).getColumns()) {
                if (c.getPath().toDotString().equals(column)) {
                    return new long[] {c.getStartingPos(), c.getTotalSize()};
                }
            }
        }
        throw new AssertionError("no column " + column);
    }

    private static long minOf(Path file, String column) throws Exception {
        try (ParquetFileReader r =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.toUri()),
                                new org.apache.hadoop.conf.Configuration()))) {
            assertThat(r.getRowGroups()).hasSize(1);
            for (ColumnChunkMetaData c : r.getRowGroups().get(0).getColumns()) {
                if (c.getPath().toDotString().equals(column)) {
                    return (Long) c.getStatistics().genericGetMin();
                }
            }
        }
        throw new AssertionError("no column " + column);
    }

    private static byte[] le(long v) {
        return java.nio.ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(v)
                .array();
    }

    /** Replaces every occurrence of {@code from} in the Parquet footer; returns how many. */
    private static int replaceInFooter(Path file, byte[] from, byte[] to) throws Exception {
        byte[] all = Files.readAllBytes(file);
        int footerLength =
                java.nio.ByteBuffer.wrap(all, all.length - 8, 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getInt();
        int n = 0;
        for (int i = all.length - 8 - footerLength; i <= all.length - 8 - from.length; i++) {
            if (java.util.Arrays.equals(all, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, all, i, to.length);
                n++;
            }
        }
        Files.write(file, all);
        return n;
    }

    private static long rowsOf(Path file) throws Exception {
        try (ParquetFileReader r =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.toUri()),
                                new org.apache.hadoop.conf.Configuration()))) {
            return r.getRecordCount();
        }
    }

    private static String asUri(String location) {
        return location.startsWith("/") ? "file:" + location : location;
    }

    private static WindowManifest withFiles(
            WindowManifest m, List<WindowManifest.FileEntry> files) {
        ObjectMapper mapper =
                new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        ObjectNode tree = mapper.valueToTree(m);
        tree.set("files", mapper.valueToTree(files));
        return mapper.convertValue(tree, WindowManifest.class);
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String md5(String text) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("MD5")
                                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String uuidOfMd5(String text) throws Exception {
        String h = md5(text);
        return h.substring(0, 8)
                + "-"
                + h.substring(8, 12)
                + "-"
                + h.substring(12, 16)
                + "-"
                + h.substring(16, 20)
                + "-"
                + h.substring(20);
    }
}
