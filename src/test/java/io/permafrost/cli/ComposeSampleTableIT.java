package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.EnvExpander;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.schema.PgCatalog.SourceTable;
import io.permafrost.source.SourcePreflight;
import io.permafrost.testing.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The laptop cluster's PostgreSQL init scripts (deploy/compose/initdb) make the demo's sample
 * table, row for row, and Permafrost's preflight accepts it with deploy/compose/permafrost.yaml.
 */
class ComposeSampleTableIT {

    static final Path INITDB = Path.of("deploy/compose/initdb");

    @Test
    void initScriptsMakeTheDemosTableAndPermafrostAcceptsIt() throws Exception {
        String compose = EmbeddedPostgres.newDatabase("compose");
        EmbeddedPostgres.execute(
                compose, Files.readString(INITDB.resolve("01-iceberg-catalog.sql")));
        EmbeddedPostgres.execute(
                compose, Files.readString(INITDB.resolve("02-permanent-data-items.sql")));
        String demo = EmbeddedPostgres.newDatabase("demo");
        EmbeddedPostgres.execute(
                demo,
                DemoCommand.SCHEMA,
                DemoCommand.sampleRows(LocalDate.now(ZoneOffset.UTC).minusDays(3), 30_000));

        assertThat(describe(compose)).isNotEmpty().isEqualTo(describe(demo));
        assertThat(query(compose, "SELECT count(*) FROM permanent_data_items"))
                .containsExactly("30000");
        assertThat(query(compose, CONTENT))
                .as("same rows as 'permafrost demo' makes today")
                .isEqualTo(query(demo, CONTENT));
        assertThat(query("postgres", "SELECT datname FROM pg_database WHERE datname = 'iceberg'"))
                .containsExactly("iceberg");

        Path file = Path.of("deploy/compose/permafrost.yaml");
        PermafrostConfig shipped =
                new ConfigLoader(EnvExpander.of(Map.of("PGPASSWORD", "postgres")))
                        .parse(Files.readString(file), file.getParent());
        PermafrostConfig.Source s = shipped.source();
        PermafrostConfig here =
                new PermafrostConfig(
                        new PermafrostConfig.Source(
                                "localhost",
                                EmbeddedPostgres.port(),
                                compose,
                                s.user(),
                                s.password(),
                                s.slot(),
                                s.publication(),
                                s.heartbeatInterval(),
                                s.chunkSize(),
                                s.snapshotReader(),
                                s.streamReader()),
                        shipped.tables(),
                        shipped.warehouse(),
                        shipped.catalog(),
                        shipped.job(),
                        shipped.parquet(),
                        shipped.verify(),
                        shipped.delete(),
                        shipped.storage());
        try (Connection c = EmbeddedPostgres.connect(compose)) {
            List<SourceTable> tables = new SourcePreflight(here).check(c);
            assertThat(tables).hasSize(1);
            assertThat(ArchiveTables.mapColumns(tables.get(0))).hasSize(16);
        }
    }

    static final String CONTENT =
            "SELECT md5(string_agg(t::text, '|' ORDER BY data_item_id)) FROM permanent_data_items t";

    /** Columns, types, nullability, keys, indexes and replica identity of the table. */
    static List<String> describe(String database) throws Exception {
        List<String> out = new ArrayList<>();
        out.addAll(
                query(
                        database,
                        "SELECT ordinal_position || ' ' || column_name || ' ' || udt_name || ' '"
                                + " || coalesce(numeric_precision::text, '') || ','"
                                + " || coalesce(numeric_scale::text, '') || ' ' || is_nullable"
                                + " FROM information_schema.columns"
                                + " WHERE table_name = 'permanent_data_items' ORDER BY ordinal_position"));
        out.addAll(
                query(
                        database,
                        "SELECT indexdef FROM pg_indexes WHERE tablename = 'permanent_data_items'"
                                + " ORDER BY indexname"));
        out.addAll(
                query(
                        database,
                        "SELECT relreplident::text FROM pg_class WHERE relname = 'permanent_data_items'"));
        return out;
    }

    static List<String> query(String database, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = EmbeddedPostgres.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
