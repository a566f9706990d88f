package io.permafrost.iceberg;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgCatalog.SourceTable;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import io.permafrost.schema.UnsupportedTypeException;
import io.permafrost.schema.ValueKind;
import io.permafrost.schema.WindowColumnKind;
import io.permafrost.source.PreflightException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the Iceberg table of a source table (or checks the existing one) and resolves the {@link
 * ArchiveTable} the job writes with: one Iceberg table per source table, partitioned like its
 * windows ({@code hour}/{@code day}/{@code month}, {@code truncate(N)}).
 */
public final class ArchiveTables {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveTables.class);

    private ArchiveTables() {}

    public static TableIdentifier identifier(TableId id) {
        return TableIdentifier.of(Namespace.of(id.schema()), id.table());
    }

    /** Maps every column; refuses unsupported types and clashes with the metadata columns. */
    public static List<ColumnMapping> mapColumns(SourceTable st) {
        List<ColumnMapping> out = new ArrayList<>();
        for (PgColumn c : st.columns()) {
            if (ArchiveTable.isMetadataColumn(c.name())) {
                throw new PreflightException(
                        2,
                        "table "
                                + st.id()
                                + " has a column named "
                                + c.name()
                                + ", which Permafrost reserves for its own metadata. Fix: rename the column");
            }
            try {
                out.add(TypeMapping.map(st.id().toString(), c));
            } catch (UnsupportedTypeException e) {
                throw new PreflightException(2, e.getMessage());
            }
        }
        return out;
    }

    /** The Iceberg schema Permafrost wants for these columns (ids are reassigned on create). */
    public static Schema desiredSchema(List<ColumnMapping> columns) {
        AtomicInteger ids = new AtomicInteger(1);
        List<Types.NestedField> fields = new ArrayList<>();
        for (ColumnMapping m : columns) {
            int id = ids.getAndIncrement();
            Type type = m.icebergType();
            if (m.kind() == ValueKind.LIST) {
                type = Types.ListType.ofOptional(1000 + id, m.element().icebergType());
            }
            fields.add(Types.NestedField.optional(id, m.column().name(), type));
        }
        fields.add(
                Types.NestedField.required(
                        ids.getAndIncrement(), ArchiveTable.OP, Types.StringType.get()));
        fields.add(
                Types.NestedField.required(
                        ids.getAndIncrement(), ArchiveTable.LSN, Types.LongType.get()));
        fields.add(
                Types.NestedField.optional(
                        ids.getAndIncrement(),
                        ArchiveTable.COMMIT_TS,
                        Types.TimestampType.withZone()));
        return new Schema(fields);
    }

    static PartitionSpec spec(Schema schema, WindowSpec window) {
        PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
        if (window instanceof WindowSpec.Time t) {
            switch (t.granularity()) {
                case HOURLY -> b.hour(t.column());
                case DAILY -> b.day(t.column());
                case MONTHLY -> b.month(t.column());
            }
        } else {
            WindowSpec.Range r = (WindowSpec.Range) window;
            b.truncate(r.column(), Math.toIntExact(r.size()));
        }
        return b.build();
    }

    /**
     * Creates or loads the table and resolves what the job needs to write it. With {@code parquet}
     * null the table must exist already (read-only use, e.g. verification).
     */
    public static ArchiveTable resolve(
            Catalog catalog,
            SourceTable st,
            PermafrostConfig.Table cfg,
            PermafrostConfig.Parquet parquet) {
        List<ColumnMapping> columns = mapColumns(st);
        Schema desired = desiredSchema(columns);
        TableIdentifier ident = identifier(st.id());
        Table table;
        if (catalog.tableExists(ident)) {
            table = catalog.loadTable(ident);
            addSourceColumns(st.id(), table, desired, parquet != null);
            columns = withRetired(st.id(), table.schema(), columns);
            checkCompatible(st.id(), table, desiredSchema(columns), cfg.window());
        } else if (parquet == null) {
            throw new PreflightException(
                    2,
                    "table "
                            + st.id()
                            + " has no archive yet (no Iceberg table "
                            + ident
                            + " in the catalog). Fix: run 'permafrost backfill' or 'permafrost run' first");
        } else {
            if (catalog instanceof SupportsNamespaces ns
                    && !ns.namespaceExists(ident.namespace())) {
                ns.createNamespace(ident.namespace());
            }
            table =
                    catalog.createTable(
                            ident,
                            desired,
                            spec(desired, cfg.window()),
                            Map.of(
                                    TableProperties.FORMAT_VERSION,
                                    "2",
                                    TableProperties.PARQUET_COMPRESSION,
                                    parquet.compression().equals("none")
                                            ? "uncompressed"
                                            : parquet.compression(),
                                    "permafrost.source",
                                    st.id().toString(),
                                    "permafrost.window",
                                    describe(cfg.window())));
            LOG.info("Created Iceberg table {} at {}", ident, table.location());
        }
        int windowColumn = -1;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).column().name().equals(cfg.window().column())) {
                windowColumn = i;
            }
        }
        WindowColumnKind kind =
                switch (columns.get(windowColumn).column().typeName()) {
                    case "timestamp", "timestamptz" -> WindowColumnKind.TIMESTAMP;
                    case "date" -> WindowColumnKind.DATE;
                    case "int2" -> WindowColumnKind.SHORT;
                    case "int4" -> WindowColumnKind.INT;
                    default -> WindowColumnKind.LONG;
                };
        List<String> keys = cfg.keyColumns().isEmpty() ? st.primaryKey() : cfg.keyColumns();
        return new ArchiveTable(
                cfg,
                columns,
                table.schema(),
                stripSlash(table.location()) + "/data",
                windowColumn,
                kind,
                keys);
    }

    static String describe(WindowSpec w) {
        return w instanceof WindowSpec.Time t
                ? t.column() + ":" + t.granularity().name().toLowerCase(java.util.Locale.ROOT)
                : w.column() + ":range=" + ((WindowSpec.Range) w).size();
    }

    private static void checkCompatible(
            TableId id, Table table, Schema desired, WindowSpec window) {
        List<Types.NestedField> have = table.schema().columns();
        List<Types.NestedField> want = desired.columns();
        String fix =
                ". Fix: archive into a new catalog or warehouse, or drop the Iceberg table "
                        + "if it holds nothing you need";
        if (have.size() != want.size()) {
            throw new PreflightException(
                    2,
                    "Iceberg table "
                            + identifier(id)
                            + " has columns "
                            + names(have)
                            + " but PostgreSQL table "
                            + id
                            + " maps to "
                            + names(want)
                            + " (less any exclude_columns)"
                            + fix);
        }
        for (int i = 0; i < want.size(); i++) {
            Types.NestedField h = have.get(i);
            Types.NestedField w = want.get(i);
            if (!h.name().equals(w.name()) || !sameType(h.type(), w.type())) {
                throw new PreflightException(
                        2,
                        "Iceberg table "
                                + identifier(id)
                                + " column "
                                + h.name()
                                + " is "
                                + h.type()
                                + " but PostgreSQL column "
                                + w.name()
                                + " maps to "
                                + w.type()
                                + fix);
            }
        }
        String recorded = table.properties().get("permafrost.window");
        if (recorded != null && !recorded.equals(describe(window))) {
            throw new PreflightException(
                    2,
                    "Iceberg table "
                            + identifier(id)
                            + " was archived with windows "
                            + recorded
                            + " but the config says "
                            + describe(window)
                            + fix);
        }
    }

    /**
     * The archive's columns in the Iceberg table's order: the source's mapping of each column the
     * source has (matched by name), and a {@link TypeMapping#retired} mapping of each it no longer
     * has (dropped, or left out with {@code exclude_columns} since); then any source column the
     * archive lacks, which {@link #checkCompatible} refuses.
     */
    static List<ColumnMapping> withRetired(TableId id, Schema archive, List<ColumnMapping> source) {
        Map<String, ColumnMapping> byName = new LinkedHashMap<>();
        source.forEach(m -> byName.put(m.column().name(), m));
        List<ColumnMapping> out = new ArrayList<>();
        List<String> retired = new ArrayList<>();
        for (Types.NestedField f : archive.columns()) {
            if (ArchiveTable.isMetadataColumn(f.name())) {
                continue;
            }
            ColumnMapping m = byName.remove(f.name());
            if (m == null) {
                m = TypeMapping.retired(f);
                retired.add(f.name());
            }
            out.add(m);
        }
        out.addAll(byName.values());
        if (!retired.isEmpty()) {
            LOG.info(
                    "Column(s) {} of Iceberg table {} are no longer in PostgreSQL table {} (dropped,"
                            + " or in exclude_columns): the archive keeps what they hold; rows"
                            + " archived from now on hold null in them, and verification leaves"
                            + " them out",
                    retired,
                    identifier(id),
                    id);
        }
        return out;
    }

    /**
     * Adds the columns the source table gained since its archive was created ({@code ALTER TABLE
     * ... ADD COLUMN}, or a column taken out of {@code exclude_columns}) to the Iceberg table, in
     * the source's order, as optional columns: rows archived before read them as null. Applied only
     * when every column the two share still has its archived type; a changed type is left to {@link
     * #checkCompatible}, which refuses it. Commands that only read ({@code write} false) refuse,
     * naming the command that adds them.
     */
    static void addSourceColumns(TableId id, Table table, Schema desired, boolean write) {
        List<Types.NestedField> existing = table.schema().columns();
        Set<String> have = new HashSet<>(names(existing));
        List<Types.NestedField> want = desired.columns();
        List<Types.NestedField> added =
                want.stream().filter(f -> !have.contains(f.name())).toList();
        if (added.isEmpty()) {
            return;
        }
        for (Types.NestedField f : want) {
            Types.NestedField archived = table.schema().findField(f.name());
            if (archived != null && !sameType(f.type(), archived.type())) {
                return;
            }
        }
        if (!write) {
            throw new PreflightException(
                    2,
                    "PostgreSQL table "
                            + id
                            + " has column(s) "
                            + names(added)
                            + " that its archive "
                            + identifier(id)
                            + " does not have yet. Fix: start 'permafrost run' (or 'permafrost"
                            + " backfill'), which adds them to the Iceberg table, or list them in"
                            + " the table's exclude_columns");
        }
        UpdateSchema update = table.updateSchema();
        for (int i = 0; i < want.size(); i++) {
            Types.NestedField f = want.get(i);
            if (have.contains(f.name())) {
                continue;
            }
            update.addColumn(f.name(), f.type());
            if (i == 0) {
                update.moveFirst(f.name());
            } else {
                update.moveAfter(f.name(), want.get(i - 1).name());
            }
        }
        update.commit();
        LOG.info(
                "Added column(s) {} of {} to Iceberg table {}: rows archived before read them as"
                        + " null",
                added.stream().map(f -> f.name() + " " + f.type()).toList(),
                id,
                identifier(id));
    }

    private static boolean sameType(Type a, Type b) {
        if (a.isListType() && b.isListType()) {
            return a.asListType().elementType().equals(b.asListType().elementType());
        }
        return a.equals(b);
    }

    private static List<String> names(List<Types.NestedField> fields) {
        return fields.stream().map(Types.NestedField::name).toList();
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
