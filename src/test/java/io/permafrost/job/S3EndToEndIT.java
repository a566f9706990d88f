package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.EnvExpander;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.testing.Archive;
import io.permafrost.testing.BlockWriter;
import io.permafrost.testing.Cli;
import io.permafrost.testing.CliProcess;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything on S3 (S3Proxy in this JVM): the Parquet files, the Iceberg metadata (JDBC catalog on
 * PostgreSQL, S3FileIO), the RocksDB checkpoints and the verification manifests. {@code permafrost
 * run} runs in a JVM of its own with the S3 file system plugin from {@code FLINK_PLUGINS_DIR}, is
 * killed (SIGKILL) mid-stream while rows keep arriving, resumes from its checkpoint on S3, and the
 * archive holds every row exactly once; {@code verify} then proves every window. Windows of two or
 * more small files are compacted ({@code compaction_min_files: 2}), on S3, through the crash.
 */
class S3EndToEndIT {

    static final int WINDOW = 200;
    static final String BUCKET = "permafrost";

    @TempDir Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void archivesToS3ResumesFromACheckpointOnS3AndVerifies() throws Exception {
        String accessKey = "access-" + UUID.randomUUID();
        String secretKey = "secret-" + UUID.randomUUID();
        S3ProxyServer s3 = S3ProxyServer.start(accessKey, secretKey, BUCKET);
        closing.add(s3);

        String db = EmbeddedPostgres.newDatabase("s3e2e");
        String catalogDb = EmbeddedPostgres.newDatabase("iceberg");
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks (height bigint PRIMARY KEY, data text NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL",
                "INSERT INTO blocks SELECT g, repeat('x', 50) || g FROM generate_series(0, 999) g");
        String yaml =
                "source:\n"
                        + "  host: localhost\n"
                        + "  port: "
                        + EmbeddedPostgres.port()
                        + "\n"
                        + "  database: "
                        + db
                        + "\n"
                        + "  user: postgres\n"
                        + "  password: postgres\n"
                        + "  slot: "
                        + db
                        + "\n"
                        + "  heartbeat_interval: 1s\n"
                        + "  chunk_size: 500\n"
                        + "tables:\n"
                        + "  - name: blocks\n"
                        + "    window: {column: height, range: "
                        + WINDOW
                        + "}\n"
                        + "warehouse: s3://"
                        + BUCKET
                        + "/archive\n"
                        + "catalog:\n"
                        + "  type: jdbc\n"
                        + "  uri: jdbc:postgresql://localhost:"
                        + EmbeddedPostgres.port()
                        + "/"
                        + catalogDb
                        + "\n"
                        + "  properties: {jdbc.user: postgres, jdbc.password: postgres}\n"
                        + "storage:\n"
                        + "  s3:\n"
                        + "    endpoint: "
                        + s3.endpoint()
                        + "\n"
                        + "    path_style_access: true\n"
                        + "    access_key: ${S3_ACCESS_KEY}\n"
                        + "    secret_key: ${S3_SECRET_KEY}\n"
                        + "parquet:\n"
                        + "  compaction_min_files: 2\n"
                        + "job:\n"
                        + "  parallelism: 2\n"
                        + "  checkpoint_interval: 2s\n"
                        + "  state_backend: rocksdb\n";
        Path config = Files.writeString(dir.resolve("permafrost.yaml"), yaml);
        Map<String, String> env =
                Map.of(
                        "S3_ACCESS_KEY", accessKey,
                        "S3_SECRET_KEY", secretKey,
                        "FLINK_PLUGINS_DIR", System.getProperty("permafrost.test.plugins.dir"));
        PermafrostConfig cfg = new ConfigLoader(EnvExpander.of(env)).loadFile(config);
        Catalog catalog = CatalogSpec.of(cfg.catalog()).open();
        closing.add((AutoCloseable) catalog);
        Archive archive = new Archive(() -> catalog, "blocks");
        // kept in target/ so that a failure can be read afterwards
        Path log = Path.of("target", "S3EndToEndIT-permafrost.log").toAbsolutePath();
        Files.deleteIfExists(log);

        BlockWriter writer = new BlockWriter(db, 1000);

        long started = System.nanoTime();
        Process first = CliProcess.start(log, env, "run", "-c", config.toString());
        try {
            ContinuousIT.awaitStreaming(db);
            writer.start();
            await().atMost(Duration.ofMinutes(4))
                    .until(() -> !first.isAlive() || windowsCommitted(archive) >= 7);
            assertThat(first.isAlive()).as("first run is alive; log: %s", log).isTrue();
            Thread.sleep(ThreadLocalRandom.current().nextLong(0, 3000)); // mid-stream
        } finally {
            first.destroyForcibly().waitFor();
        }
        long committedBeforeCrash = windowsCommitted(archive);
        Thread.sleep(2000); // rows keep arriving while the archiver is down

        Process second = CliProcess.start(log, env, "run", "-c", config.toString());
        long last;
        long closer;
        try {
            Thread.sleep(5000);
            last = writer.stop();
            // One more row past the last window's end closes it.
            closer = (last / WINDOW + 1) * WINDOW;
            EmbeddedPostgres.execute(db, "INSERT INTO blocks VALUES (" + closer + ", 'closer')");
            long windows = closer / WINDOW;
            await().atMost(Duration.ofMinutes(4))
                    .untilAsserted(
                            () ->
                                    assertThat(windowsCommitted(archive))
                                            .as("log: %s", log)
                                            .isGreaterThanOrEqualTo(windows));
        } finally {
            writer.stop();
            second.destroyForcibly().waitFor();
        }
        System.out.printf(
                "S3EndToEndIT: archived %d rows through a crash in %d s%n",
                last + 1, (System.nanoTime() - started) / 1_000_000_000L);

        // Every row exactly once, read through the JDBC catalog and S3FileIO.
        Map<Long, Integer> seen = new TreeMap<>();
        Map<Long, List<String>> copies = new TreeMap<>();
        for (Record r : archive.records()) {
            Long h = (Long) r.getField("height");
            seen.merge(h, 1, Integer::sum);
            copies.computeIfAbsent(h, k -> new ArrayList<>())
                    .add(r.getField("_op") + "@" + r.getField("_lsn"));
        }
        String output = Files.readString(log);
        assertThat(output).contains("Resuming from checkpoint s3://" + BUCKET + "/archive/");
        assertThat(output).doesNotContain(secretKey);
        assertThat(committedBeforeCrash).isGreaterThanOrEqualTo(7);
        List<String> commits = archive.commits();
        for (long h = 0; h <= last; h++) {
            assertThat(seen.get(h))
                    .as(
                            "copies of height %d in the archive (_op@_lsn: %s); commits %s; log %s",
                            h, copies.get(h), commits, log)
                    .isEqualTo(1);
        }
        // nothing else: heights last+1 .. closer-1 were never inserted, closer's window is open
        assertThat(seen).hasSize((int) last + 1);

        // The objects are in the bucket: Parquet data, Iceberg metadata, Flink checkpoints.
        SupportsPrefixOperations io = (SupportsPrefixOperations) archive.table().io();
        String table = "s3://" + BUCKET + "/archive/public/blocks/";
        assertThat(list(io, table + "data/"))
                .isNotEmpty()
                .allMatch(
                        p ->
                                p.matches(
                                        ".*/data/height=\\d+-\\d+/(part|compacted)-[^/]+\\.parquet"));
        // Compacted windows: in Iceberg one snapshot more, on S3 only the files Iceberg holds.
        assertThat(commits).anyMatch(c -> c.startsWith("compaction "));
        Set<String> inTable = new HashSet<>();
        try (var tasks = archive.table().newScan().planFiles()) {
            tasks.forEach(t -> inTable.add(t.file().location()));
        }
        List<String> closedWindowObjects =
                list(io, table + "data/").stream()
                        .filter(p -> !p.contains("/height=" + closer + "-"))
                        .toList();
        assertThat(closedWindowObjects).containsExactlyInAnyOrderElementsOf(inTable);
        assertThat(list(io, table + "metadata/"))
                .anyMatch(p -> p.endsWith(".metadata.json"))
                .anyMatch(p -> p.endsWith(".avro"));
        assertThat(list(io, "s3://" + BUCKET + "/archive/_flink/checkpoints/permafrost-run/"))
                .anyMatch(p -> p.matches(".*/chk-\\d+/_metadata"));

        // verify in this JVM: manifests on S3, every window VERIFIED.
        Path verifyConfig =
                Files.writeString(
                        dir.resolve("verify.yaml"),
                        yaml.replace("${S3_ACCESS_KEY}", accessKey)
                                .replace("${S3_SECRET_KEY}", secretKey));
        Cli verify = Cli.run("verify", "-c", verifyConfig.toString());
        assertThat(verify.code).as("%s", verify).isZero();
        assertThat(verify.out)
                .contains("VERIFIED")
                .contains(closer / WINDOW + " window(s): 0 failed")
                .doesNotContain("FAILED");
        assertThat(verify.out + verify.err).doesNotContain(secretKey);
        assertThat(list(io, "s3://" + BUCKET + "/archive/_manifests/"))
                .hasSize((int) (closer / WINDOW))
                .allMatch(p -> p.endsWith(".json"));

        // verified again: each manifest is replaced in place (S3 has no rename), nothing beside it.
        Cli again = Cli.run("verify", "-c", verifyConfig.toString(), "--force");
        assertThat(again.code).as("%s", again).isZero();
        assertThat(again.out).contains(closer / WINDOW + " window(s): 0 failed");
        assertThat(list(io, "s3://" + BUCKET + "/archive/_manifests/"))
                .hasSize((int) (closer / WINDOW))
                .allMatch(p -> p.endsWith(".json"));
    }

    /** Windows with a first commit (kind {@code window}); amendments and compactions aside. */
    private static long windowsCommitted(Archive archive) {
        return archive.commits().stream().filter(c -> c.startsWith("window ")).count();
    }

    private static List<String> list(SupportsPrefixOperations io, String prefix) {
        List<String> out = new ArrayList<>();
        for (FileInfo f : io.listPrefix(prefix)) {
            if (!f.location().endsWith("/")) { // directory markers (kept, see storage.s3)
                out.add(f.location());
            }
        }
        return out;
    }
}
