package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgCatalog;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import io.permafrost.schema.ValueKind;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * Archived columns the source no longer has stay in the archive, in the Iceberg table's order, as
 * retired mappings whose kind writes and compacts their archived values without loss.
 */
class RetiredColumnsTest {

    private static final TableId ID = new TableId("public", "events");

    private static final Schema ARCHIVE =
            new Schema(
                    Types.NestedField.optional(1, "id", Types.LongType.get()),
                    Types.NestedField.optional(2, "gone", Types.TimeType.get()),
                    Types.NestedField.optional(3, "at", Types.TimestampType.withZone()),
                    Types.NestedField.optional(
                            4, "tags", Types.ListType.ofOptional(8, Types.StringType.get())),
                    Types.NestedField.optional(5, "price", Types.DecimalType.of(12, 2)),
                    Types.NestedField.required(6, ArchiveTable.OP, Types.StringType.get()),
                    Types.NestedField.required(7, ArchiveTable.LSN, Types.LongType.get()));

    private static ColumnMapping source(String name, String type) {
        return TypeMapping.map(ID.toString(), new PgColumn(name, type, 'b', -1, false, false));
    }

    @Test
    void columnsTheSourceLacksAreRetiredInTheArchivesOrder() {
        // the source's order differs from the archive's: columns are matched by name
        List<ColumnMapping> source = List.of(source("at", "timestamptz"), source("id", "int8"));

        List<ColumnMapping> columns = ArchiveTables.withRetired(ID, ARCHIVE, source);

        assertThat(columns)
                .extracting(m -> m.column().name() + (m.retired() ? " retired" : ""))
                .containsExactly("id", "gone retired", "at", "tags retired", "price retired");
        assertThat(columns.get(0)).isSameAs(source.get(1));
        assertThat(ArchiveTables.desiredSchema(columns).asStruct().fields())
                .extracting(f -> f.name() + " " + f.type().typeId())
                .startsWith("id LONG", "gone TIME", "at TIMESTAMP", "tags LIST", "price DECIMAL");
    }

    @Test
    void sourceColumnsTheArchiveLacksComeLast() {
        List<ColumnMapping> source =
                List.of(
                        source("id", "int8"),
                        source("gone", "time"),
                        source("at", "timestamptz"),
                        source("tags", "text"),
                        source("price", "int4"),
                        source("extra", "text"));

        assertThat(ArchiveTables.withRetired(ID, ARCHIVE, source))
                .extracting(m -> m.column().name() + (m.retired() ? " retired" : ""))
                .containsExactly("id", "gone", "at", "tags", "price", "extra");
    }

    @Test
    void aRenamedColumnIsRetiredUnderItsOldNameAndAddedUnderItsNew() {
        InMemoryCatalog catalog = new InMemoryCatalog();
        catalog.initialize("test", Map.of());
        PermafrostConfig.Table config =
                new PermafrostConfig.Table(
                        ID,
                        new WindowSpec.Time("at", io.permafrost.model.Granularity.DAILY),
                        0L,
                        null,
                        List.of(),
                        0,
                        List.of());
        PermafrostConfig.Parquet parquet =
                new PermafrostConfig.Parquet("zstd", 128L << 20, 16L << 20, 20_000, 5);
        ArchiveTables.resolve(catalog, table("id", "at", "note"), config, parquet);

        // the new name goes where the source has it (after 'at'), the old one stays
        ArchiveTable renamed =
                ArchiveTables.resolve(catalog, table("id", "at", "memo"), config, parquet);

        assertThat(renamed.schema().columns())
                .extracting(Types.NestedField::name)
                .containsExactly("id", "at", "memo", "note", "_op", "_lsn", "_commit_ts");
        assertThat(renamed.columns())
                .extracting(m -> m.column().name() + (m.retired() ? " retired" : ""))
                .containsExactly("id", "at", "memo", "note retired");
        assertThat(renamed.windowColumn()).isEqualTo(1);
    }

    private static PgCatalog.SourceTable table(String id, String at, String text) {
        return new PgCatalog.SourceTable(
                ID,
                List.of(
                        new PgColumn(id, "int8", 'b', -1, false, true),
                        new PgColumn(at, "timestamptz", 'b', -1, false, true),
                        new PgColumn(text, "text", 'b', -1, false, false)),
                List.of(id),
                false,
                true,
                List.of());
    }

    @Test
    void aRetiredColumnKeepsItsTypeAndAKindThatLosesNothing() {
        ColumnMapping time = TypeMapping.retired(ARCHIVE.findField("gone"));
        assertThat(time.retired()).isTrue();
        assertThat(time.kind()).isEqualTo(ValueKind.TIME_MICROS);
        assertThat(time.icebergType()).isEqualTo(Types.TimeType.get());

        ColumnMapping tags = TypeMapping.retired(ARCHIVE.findField("tags"));
        assertThat(tags.kind()).isEqualTo(ValueKind.LIST);
        assertThat(tags.element().kind()).isEqualTo(ValueKind.STRING);
        assertThat(tags.column().array()).isTrue();

        ColumnMapping price = TypeMapping.retired(ARCHIVE.findField("price"));
        assertThat(price.kind()).isEqualTo(ValueKind.DECIMAL);
        assertThat(price.precision()).isEqualTo(12);
        assertThat(price.scale()).isEqualTo(2);

        assertThat(TypeMapping.retired(ARCHIVE.findField("at")).kind())
                .isEqualTo(ValueKind.TIMESTAMPTZ);
    }
}
