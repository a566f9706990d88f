package io.permafrost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.model.Granularity;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final long MB = 1024 * 1024;

    @TempDir Path dir;

    private final ConfigLoader loader = new ConfigLoader(EnvExpander.of(Map.of("PGPW", "s3cret")));

    private static final String SOURCE =
            """
            source:
              host: db.example.com
              database: chain
              user: archiver
            """;

    private static final String ONE_TABLE =
            """
            tables:
              - name: public.events
                window: {column: created_at, granularity: daily}
            """;

    private PermafrostConfig parse(String yaml) {
        return loader.parse(yaml, dir);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertError(String yaml) {
        return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class);
    }

    @Test
    void minimalConfigGetsDocumentedDefaults() {
        PermafrostConfig c =
                parse(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: daily}
                                  - name: blocks
                                    window: {column: height, range: 1000}
                                """);

        String warehouse = "file://" + dir.toAbsolutePath().normalize().resolve("warehouse");
        assertThat(c.warehouse()).isEqualTo(warehouse);

        PermafrostConfig.Source s = c.source();
        assertThat(s.host()).isEqualTo("db.example.com");
        assertThat(s.port()).isEqualTo(5432);
        assertThat(s.database()).isEqualTo("chain");
        assertThat(s.user()).isEqualTo("archiver");
        assertThat(s.password()).isEmpty();
        assertThat(s.slot()).isEqualTo("permafrost");
        assertThat(s.publication()).isEqualTo("permafrost");
        assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.chunkSize()).isEqualTo(50_000);
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:5432/chain");

        assertThat(c.tables()).hasSize(2);
        PermafrostConfig.Table events = c.tables().get(0);
        assertThat(events.id()).isEqualTo(new TableId("public", "events"));
        assertThat(events.window()).isEqualTo(new WindowSpec.Time("created_at", Granularity.DAILY));
        assertThat(events.closeAfter()).isEqualTo(10 * 60 * 1_000_000L); // 10m in micros
        assertThat(events.chunkKey()).isNull();
        assertThat(events.keyColumns()).isEmpty();
        assertThat(events.excludeColumns()).isEmpty();

        PermafrostConfig.Table blocks = c.tables().get(1);
        assertThat(blocks.id()).isEqualTo(new TableId("public", "blocks"));
        assertThat(blocks.window()).isEqualTo(new WindowSpec.Range("height", 1000));
        assertThat(blocks.closeAfter()).isZero();

        assertThat(c.catalog().type()).isEqualTo("hadoop");
        assertThat(c.catalog().name()).isEqualTo("permafrost");
        assertThat(c.catalog().properties())
                .isEqualTo(
                        Map.of(
                                "warehouse",
                                warehouse,
                                "io-impl",
                                "io.permafrost.iceberg.LocalFileIO"));

        assertThat(c.job().name()).isEqualTo("permafrost");
        assertThat(c.job().parallelism()).isEqualTo(1);
        assertThat(c.job().checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.job().checkpointDir()).isEqualTo(warehouse + "/_flink/checkpoints");
        assertThat(c.job().stateBackend()).isEqualTo("rocksdb");

        assertThat(c.parquet().compression()).isEqualTo("zstd");
        assertThat(c.parquet().targetFileSize()).isEqualTo(128 * MB);
        assertThat(c.parquet().rowGroupSize()).isEqualTo(16 * MB);
    }

    @Test
    void explicitValuesAndEnvironmentVariablesAreUsed() {
        PermafrostConfig c =
                parse(
                        """
                        source:
                          host: db.example.com
                          port: 6432
                          database: chain
                          user: archiver
                          password: ${PGPW}
                          slot: chain_archive
                          publication: chain_pub
                          heartbeat_interval: 500ms
                          chunk_size: 1000
                        tables:
                          - name: ledger.blocks
                            window: {column: height, range: 5000}
                            close_after: 12
                            chunk_key: height
                            key: [height, hash]
                          - name: public.uploads
                            window: {column: uploaded_at, granularity: Hourly}
                            close_after: 1h
                        warehouse: s3://archive/warehouse/
                        catalog:
                          type: JDBC
                          uri: jdbc:postgresql://catalog/iceberg
                          properties: {jdbc.user: iceberg}
                        job:
                          name: chain_job
                          parallelism: 4
                          checkpoint_interval: 2m
                          checkpoint_dir: s3://archive/checkpoints
                          state_backend: hashmap
                        parquet:
                          compression: snappy
                          target_file_size: 64MB
                          row_group_size: 512kb
                          page_row_limit: 5000
                          compaction_min_files: 0
                        """);

        assertThat(c.source().password()).isEqualTo("s3cret");
        assertThat(c.source().port()).isEqualTo(6432);
        assertThat(c.source().slot()).isEqualTo("chain_archive");
        assertThat(c.source().publication()).isEqualTo("chain_pub");
        assertThat(c.source().heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.source().chunkSize()).isEqualTo(1000);

        PermafrostConfig.Table blocks = c.tables().get(0);
        assertThat(blocks.id()).isEqualTo(new TableId("ledger", "blocks"));
        assertThat(blocks.window()).isEqualTo(new WindowSpec.Range("height", 5000));
        assertThat(blocks.closeAfter()).isEqualTo(12);
        assertThat(blocks.chunkKey()).isEqualTo("height");
        assertThat(blocks.keyColumns()).containsExactly("height", "hash");
        PermafrostConfig.Table uploads = c.tables().get(1);
        assertThat(uploads.window())
                .isEqualTo(new WindowSpec.Time("uploaded_at", Granularity.HOURLY));
        assertThat(uploads.closeAfter()).isEqualTo(3_600_000_000L);

        assertThat(c.warehouse()).isEqualTo("s3://archive/warehouse");
        assertThat(c.catalog().type()).isEqualTo("jdbc");
        assertThat(c.catalog().properties())
                .isEqualTo(
                        Map.of(
                                "warehouse", "s3://archive/warehouse",
                                "uri", "jdbc:postgresql://catalog/iceberg",
                                "jdbc.user", "iceberg",
                                "io-impl", "org.apache.iceberg.aws.s3.S3FileIO"));
        assertThat(c.job())
                .isEqualTo(
                        new PermafrostConfig.Job(
                                "chain_job",
                                4,
                                Duration.ofMinutes(2),
                                "s3://archive/checkpoints",
                                "hashmap",
                                null));
        assertThat(c.parquet())
                .isEqualTo(new PermafrostConfig.Parquet("snappy", 64 * MB, 512 * 1024, 5000, 0));
    }

    @Test
    void relativeWarehouseResolvesAgainstTheConfigFilesDirectory() throws IOException {
        Path configDir = Files.createDirectories(dir.resolve("etc"));
        Path file = configDir.resolve("permafrost.yaml");
        Files.writeString(file, SOURCE + ONE_TABLE + "warehouse: ../data/warehouse\n");

        PermafrostConfig c = loader.loadFile(file);

        String expected = "file://" + dir.toAbsolutePath().normalize() + "/data/warehouse";
        assertThat(c.warehouse()).isEqualTo(expected);
        assertThat(c.job().checkpointDir()).isEqualTo(expected + "/_flink/checkpoints");
    }

    @Test
    void absoluteLocalWarehouseBecomesAFileUri() {
        PermafrostConfig c = parse(SOURCE + ONE_TABLE + "warehouse: /srv/archive\n");

        assertThat(c.warehouse()).isEqualTo("file:///srv/archive");
    }

    @Test
    void missingFileIsAConfigError() {
        assertThatThrownBy(() -> loader.loadFile(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read config file")
                .hasMessageContaining("Fix: pass an existing YAML file");
    }

    // ---- errors: each names the key path and says the fix ----

    @Test
    void missingSourceHost() {
        assertError(
                        """
                        source:
                          database: chain
                          user: archiver
                        """
                                + ONE_TABLE)
                .hasMessage("config 'source.host': is required. Fix: set 'host: ...'");
    }

    @Test
    void missingSourceSection() {
        assertError(ONE_TABLE)
                .hasMessage("config 'source': is required. Fix: add a 'source:' section");
    }

    @Test
    void unknownKeyListsTheAllowedKeys() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularty: daily}
                                """)
                .hasMessage(
                        "config 'tables[0].window.granularty': unknown key. Fix: use one of"
                                + " [column, granularity, range] (check the spelling)");
    }

    @Test
    void unknownTopLevelKey() {
        assertError(SOURCE + ONE_TABLE + "warehous: /tmp/x\n")
                .hasMessageContaining("config 'warehous': unknown key")
                .hasMessageContaining(
                        "[catalog, delete, job, parquet, source, storage, tables, verify, warehouse]");
    }

    @Test
    void excludeColumnsAreRead() {
        PermafrostConfig c =
                parse(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: daily}
                                    exclude_columns: [search_doc, raw]
                                  - name: blocks
                                    window: {column: height, range: 1000}
                                    exclude_columns: payload
                                """);
        assertThat(c.tables().get(0).excludeColumns()).containsExactly("search_doc", "raw");
        assertThat(c.tables().get(1).excludeColumns()).containsExactly("payload");
    }

    @Test
    void excludeColumnsKeepTheColumnsRowsAreWindowedAndToldApartBy() {
        String table =
                """
                tables:
                  - name: public.events
                    window: {column: created_at, granularity: daily}
                    key: [a, b]
                    chunk_key: c
                """;
        assertError(SOURCE + table + "    exclude_columns: [x, created_at]\n")
                .hasMessage(
                        "config 'tables[0].exclude_columns': names column created_at, the window"
                                + " column, which every archived row needs. Fix: list each column to"
                                + " leave out of the archive once, and keep the window, key and"
                                + " chunk_key columns");
        assertError(SOURCE + table + "    exclude_columns: [b]\n")
                .hasMessageContaining("names column b, which is in 'key'");
        assertError(SOURCE + table + "    exclude_columns: [c]\n")
                .hasMessageContaining("names column c, which is the chunk_key");
        assertError(SOURCE + table + "    exclude_columns: [x, x]\n")
                .hasMessageContaining("names column x twice");
        assertError(SOURCE + table + "    exclude_columns: ['']\n")
                .hasMessageContaining("names an empty column name");
    }

    @Test
    void granularityAndRangeBothSet() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: daily, range: 10}
                                """)
                .hasMessageStartingWith(
                        "config 'tables[0].window': needs exactly one of 'granularity'"
                                + " (hourly|daily|monthly) or 'range' (an integer)")
                .hasMessageContaining("Fix: e.g. {column: uploaded_at, granularity: daily}");
    }

    @Test
    void neitherGranularityNorRangeSet() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at}
                                """)
                .hasMessageStartingWith("config 'tables[0].window': needs exactly one of")
                .hasMessageContaining("Fix:");
    }

    @Test
    void badGranularity() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: weekly}
                                """)
                .hasMessage(
                        "config 'tables[0].window.granularity': must be hourly, daily or monthly,"
                                + " got 'weekly'");
    }

    @Test
    void rangeMustBePositive() {
        for (String range : List.of("0", "-5")) {
            assertError(
                            SOURCE
                                    + "tables:\n"
                                    + "  - name: public.blocks\n"
                                    + "    window: {column: height, range: "
                                    + range
                                    + "}\n")
                    .hasMessage(
                            "config 'tables[0].window.range': must be a positive integer, got "
                                    + range
                                    + ". Fix: e.g. range: 1000");
        }
    }

    @Test
    void rangeMustBeAnInteger() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.blocks
                                    window: {column: height, range: 1k}
                                """)
                .hasMessage("config 'tables[0].window.range': must be an integer, got '1k'");
    }

    @Test
    void badDuration() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: daily}
                                    close_after: 10 minutes
                                """)
                .hasMessage(
                        "config 'tables[0].close_after': '10 minutes' is not a duration. Fix:"
                                + " write e.g. 500ms, 30s, 10m, 1h or 1d");
    }

    @Test
    void badHeartbeatInterval() {
        assertError(SOURCE + "  heartbeat_interval: 10\n" + ONE_TABLE)
                .hasMessageStartingWith(
                        "config 'source.heartbeat_interval': '10' is not a duration. Fix:");
    }

    @Test
    void snapshotReaderIsCopyOrCdc() {
        assertThat(parse(SOURCE + ONE_TABLE).source().snapshotReader())
                .isEqualTo(PermafrostConfig.SnapshotReader.COPY);
        assertThat(parse(SOURCE + "  snapshot_reader: cdc\n" + ONE_TABLE).source().snapshotReader())
                .isEqualTo(PermafrostConfig.SnapshotReader.CDC);
        assertError(SOURCE + "  snapshot_reader: fast\n" + ONE_TABLE)
                .hasMessage(
                        "config 'source.snapshot_reader': must be copy or cdc, got 'fast'. Fix: use"
                                + " copy (binary COPY, the fast default) or cdc (Flink CDC's chunked"
                                + " reader)");
    }

    @Test
    void badSize() {
        assertError(SOURCE + ONE_TABLE + "parquet:\n  page_row_limit: 10\n")
                .hasMessage(
                        "config 'parquet.page_row_limit': must be at least 100, got 10. Fix: the"
                                + " default 2000 suits most tables; parquet-java's own default is"
                                + " 20000");
        assertError(SOURCE + ONE_TABLE + "parquet:\n  compaction_min_files: 1\n")
                .hasMessage(
                        "config 'parquet.compaction_min_files': must be 0 (no compaction) or at"
                                + " least 2, got 1. Fix: the default 5 compacts a closed window"
                                + " once it has 5 small files");
        assertError(SOURCE + ONE_TABLE + "parquet:\n  target_file_size: 12 parsecs\n")
                .hasMessage(
                        "config 'parquet.target_file_size': '12 parsecs' is not a size. Fix: write"
                                + " e.g. 64MB, 512KB or 1GB");
    }

    @Test
    void sizeBelowOneKilobyte() {
        assertError(SOURCE + ONE_TABLE + "parquet:\n  row_group_size: 100\n")
                .hasMessage("config 'parquet.row_group_size': must be at least 1KB, got 100");
    }

    @Test
    void rowGroupLargerThanTargetFileSize() {
        assertError(
                        SOURCE
                                + ONE_TABLE
                                + "parquet:\n  target_file_size: 64MB\n  row_group_size: 128MB\n")
                .hasMessageStartingWith(
                        "config 'parquet.row_group_size': must not exceed target_file_size. Fix:");
    }

    @Test
    void duplicateTable() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.events
                                    window: {column: created_at, granularity: daily}
                                  - name: events
                                    window: {column: created_at, granularity: hourly}
                                """)
                .hasMessage(
                        "config 'tables[1].name': table public.events is listed twice. Fix: list"
                                + " each table once");
    }

    @Test
    void badTableName() {
        assertError(
                        SOURCE
                                + """
                                tables:
                                  - name: public.my-events
                                    window: {column: created_at, granularity: daily}
                                """)
                .hasMessageStartingWith("config 'tables[0].name':")
                .hasMessageContaining("Fix: write schema.table");
    }

    @Test
    void badSlotName() {
        assertError(SOURCE + "  slot: Permafrost-Slot\n" + ONE_TABLE)
                .hasMessage(
                        "config 'source.slot': 'Permafrost-Slot' is not a valid replication slot"
                                + " name. Fix: use 1-63 lower-case letters, digits or _");
    }

    @Test
    void badCompression() {
        assertError(SOURCE + ONE_TABLE + "parquet:\n  compression: lz4\n")
                .hasMessage(
                        "config 'parquet.compression': must be zstd, snappy, gzip or none, got"
                                + " 'lz4'");
    }

    @Test
    void badCatalogType() {
        assertError(SOURCE + ONE_TABLE + "catalog:\n  type: glue\n")
                .hasMessage("config 'catalog.type': must be hadoop, jdbc or rest, got 'glue'");
    }

    @Test
    void restCatalogNeedsAUri() {
        assertError(SOURCE + ONE_TABLE + "catalog:\n  type: rest\n")
                .hasMessage("config 'catalog.uri': is required. Fix: set 'uri: ...'");
    }

    @Test
    void emptyTablesList() {
        assertError(SOURCE + "tables: []\n")
                .hasMessageStartingWith(
                        "config 'tables': at least one table is required. Fix: add e.g. - {name:");
    }

    @Test
    void tablesMustBeAList() {
        assertError(SOURCE + "tables: public.events\n")
                .hasMessage("config 'tables': must be a list, not 'public.events'");
    }

    @Test
    void tableEntryMustBeAMapping() {
        assertError(SOURCE + "tables:\n  - public.events\n")
                .hasMessage(
                        "config 'tables[0]': must be a mapping (key: value), not 'public.events'");
    }

    @Test
    void nonMappingYaml() {
        assertError("- source\n- tables\n")
                .hasMessage("the config must be a YAML mapping (key: value), not a list");
    }

    @Test
    void emptyConfig() {
        assertError("# nothing here\n")
                .hasMessage("the config is empty. Fix: start from the example in README.md");
    }

    @Test
    void invalidYaml() {
        assertError("source: {host: db\ntables: [\n")
                .hasMessageStartingWith("the config is not valid YAML: ")
                .hasMessageContaining("line");
    }

    @Test
    void unsetEnvironmentVariableSurfacesAsConfigError() {
        assertError(SOURCE + "  password: ${NOT_SET_ANYWHERE}\n" + ONE_TABLE)
                .hasMessageContaining("line 5")
                .hasMessageContaining("${NOT_SET_ANYWHERE} is not set");
    }

    // ---- storage: S3 ----

    private static final String JDBC_ON_S3 =
            """
            warehouse: s3://archive/wh
            catalog:
              type: jdbc
              uri: jdbc:postgresql://db/iceberg
              properties: {jdbc.user: iceberg, jdbc.password: ${PGPW}}
            """;

    private final ConfigLoader s3Loader =
            new ConfigLoader(
                    EnvExpander.of(
                            Map.of(
                                    "PGPW",
                                    "s3cret",
                                    "S3_KEY",
                                    "AKIAEXAMPLE",
                                    "S3_SECRET",
                                    "wJalrXUtnFEMI/K7MDENG")));

    private PermafrostConfig parseS3(String storage) {
        return s3Loader.parse(SOURCE + ONE_TABLE + JDBC_ON_S3 + storage, dir);
    }

    @Test
    void s3StorageMapsToFlinkAndIcebergKeys() {
        PermafrostConfig c =
                parseS3(
                        """
                        storage:
                          s3:
                            endpoint: http://minio:9000/
                            region: eu-central-1
                            path_style_access: true
                            access_key: ${S3_KEY}
                            secret_key: ${S3_SECRET}
                        """);

        assertThat(c.warehouse()).isEqualTo("s3://archive/wh");
        assertThat(c.job().checkpointDir()).isEqualTo("s3://archive/wh/_flink/checkpoints");
        assertThat(c.storage().s3().flinkProperties())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "s3.endpoint", "http://minio:9000",
                                "s3.endpoint.region", "eu-central-1",
                                "s3.path.style.access", "true",
                                "s3.access-key", "AKIAEXAMPLE",
                                "s3.secret-key", "wJalrXUtnFEMI/K7MDENG",
                                "s3.directory.marker.retention", "keep"));
        assertThat(c.catalog().properties())
                .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
                .containsEntry("s3.endpoint", "http://minio:9000")
                .containsEntry("s3.path-style-access", "true")
                .containsEntry("s3.access-key-id", "AKIAEXAMPLE")
                .containsEntry("s3.secret-access-key", "wJalrXUtnFEMI/K7MDENG")
                .containsEntry("client.region", "eu-central-1")
                .containsEntry("warehouse", "s3://archive/wh");
    }

    @Test
    void withoutKeysTheDefaultAwsChainIsUsed() {
        PermafrostConfig c = parseS3("");

        assertThat(c.storage().s3().flinkProperties())
                .containsEntry(
                        "fs.s3a.aws.credentials.provider",
                        "com.amazonaws.auth.DefaultAWSCredentialsProviderChain")
                .doesNotContainKeys("s3.access-key", "s3.secret-key", "s3.endpoint");
        assertThat(c.catalog().properties())
                .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
                .doesNotContainKeys(
                        "s3.access-key-id", "s3.secret-access-key", "s3.endpoint", "client.region");
    }

    @Test
    void anEndpointWithoutARegionSignsForUsEast1() {
        PermafrostConfig c = parseS3("storage: {s3: {endpoint: 'https://objects.example.com'}}\n");

        assertThat(c.storage().s3().region()).isEqualTo("us-east-1");
        assertThat(c.catalog().properties()).containsEntry("client.region", "us-east-1");
    }

    @Test
    void catalogPropertiesWinOverStorageSettings() {
        PermafrostConfig c =
                s3Loader.parse(
                        SOURCE
                                + ONE_TABLE
                                + """
                                warehouse: s3://archive/wh
                                catalog:
                                  type: rest
                                  uri: http://catalog:8181
                                  properties: {s3.endpoint: 'http://other:9000'}
                                storage:
                                  s3: {endpoint: 'http://minio:9000'}
                                """,
                        dir);

        assertThat(c.catalog().properties()).containsEntry("s3.endpoint", "http://other:9000");
        assertThat(c.storage().s3().flinkProperties())
                .containsEntry("s3.endpoint", "http://minio:9000");
    }

    @Test
    void localWarehouseGetsLocalFileIoNotS3FileIo() {
        PermafrostConfig c =
                parse(SOURCE + ONE_TABLE + "storage: {s3: {endpoint: 'http://minio:9000'}}\n");

        assertThat(c.catalog().properties())
                .containsEntry("io-impl", "io.permafrost.iceberg.LocalFileIO")
                .doesNotContainKey("s3.endpoint");
        // a class name, so that config does not depend on iceberg: it must stay true
        assertThat(ConfigLoader.LOCAL_FILE_IO)
                .isEqualTo(io.permafrost.iceberg.LocalFileIO.class.getName());

        PermafrostConfig own =
                parse(SOURCE + ONE_TABLE + "catalog: {properties: {io-impl: com.example.IO}}\n");
        assertThat(own.catalog().properties()).containsEntry("io-impl", "com.example.IO");
    }

    @Test
    void credentialsAreNeverPrinted() {
        PermafrostConfig c =
                parseS3(
                        """
                        storage:
                          s3: {endpoint: 'http://minio:9000', access_key: '${S3_KEY}', secret_key: '${S3_SECRET}'}
                        """);

        for (String printed :
                List.of(
                        c.toString(),
                        c.storage().toString(),
                        c.catalog().toString(),
                        io.permafrost.iceberg.CatalogSpec.of(c.catalog()).toString())) {
            assertThat(printed)
                    .doesNotContain("AKIAEXAMPLE")
                    .doesNotContain("wJalrXUtnFEMI")
                    .doesNotContain("s3cret");
        }
        assertThat(c.storage().toString()).contains("http://minio:9000");
    }

    @Test
    void hadoopCatalogOnS3IsRefused() {
        assertError(SOURCE + ONE_TABLE + "warehouse: s3a://archive/wh\n")
                .hasMessageStartingWith(
                        "config 'catalog.type': 'hadoop' cannot hold a warehouse on S3"
                                + " (s3a://archive/wh): Iceberg's HadoopCatalog commits by an"
                                + " atomic rename, which S3 does not have")
                .hasMessageContaining("Fix: use a jdbc catalog");
    }

    @Test
    void accessKeyWithoutSecretKey() {
        assertThatThrownBy(() -> parseS3("storage: {s3: {access_key: '${S3_KEY}'}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "config 'storage.s3.secret_key': is required when access_key is set."
                                + " Fix: set both")
                .hasMessageNotContaining("AKIAEXAMPLE");
    }

    @Test
    void badEndpoint() {
        assertError(SOURCE + ONE_TABLE + "storage: {s3: {endpoint: 'minio:9000'}}\n")
                .hasMessageStartingWith(
                        "config 'storage.s3.endpoint': 'minio:9000' is not an http(s) endpoint."
                                + " Fix: write e.g.");
    }

    @Test
    void badPathStyleAccess() {
        assertError(SOURCE + ONE_TABLE + "storage: {s3: {path_style_access: yes please}}\n")
                .hasMessage(
                        "config 'storage.s3.path_style_access': must be true or false, got 'yes"
                                + " please'");
    }

    @Test
    void unknownStorageKey() {
        assertError(SOURCE + ONE_TABLE + "storage: {s3: {secret: x}}\n")
                .hasMessageStartingWith("config 'storage.s3.secret': unknown key. Fix: use one of");
    }
}
