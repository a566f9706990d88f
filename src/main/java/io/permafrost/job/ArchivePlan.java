package io.permafrost.job;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgCatalog.SourceTable;
import io.permafrost.schema.PgColumn;
import io.permafrost.source.ArchiveSourceFactory;
import io.permafrost.source.HeartbeatTable;
import io.permafrost.source.PreflightException;
import io.permafrost.source.SourceConnections;
import io.permafrost.source.SourcePreflight;
import io.permafrost.source.copy.CopySnapshotSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.iceberg.catalog.Catalog;

/**
 * Everything resolved before a job starts: the checked source tables, their Iceberg tables, and the
 * groups of tables that share one CDC source (Flink CDC applies one chunk key column to every table
 * of a source, so tables that need different chunk keys get a source and slot each).
 *
 * @param pgoutputUnfit for a continuous run whose {@code source.stream_reader} is {@code auto}: why
 *     the {@code pgoutput} reader cannot read these tables, or null when it can (or was not asked)
 * @param copyUnfit why the job needs logical replication (a run, or a backfill with a table only
 *     Flink CDC reads), or null for a backfill read wholly by binary COPY, for which no
 *     publication, heartbeat table or replica identity is needed or created
 */
public record ArchivePlan(
        PermafrostConfig config,
        CatalogSpec catalog,
        List<SourceGroup> groups,
        String pgoutputUnfit,
        String copyUnfit) {

    /** Tables read by one CDC source through one replication slot. */
    public record SourceGroup(
            String slot,
            String chunkKey,
            List<ArchiveTable> tables,
            boolean partitioned,
            HeartbeatTable heartbeat) {}

    /** Column types whose min/max PostgreSQL can compute, so Flink CDC can split by them. */
    private static final Set<String> SPLITTABLE =
            Set.of(
                    "int2",
                    "int4",
                    "int8",
                    "numeric",
                    "text",
                    "varchar",
                    "bpchar",
                    "date",
                    "timestamp",
                    "timestamptz");

    /**
     * Checks the source (read-only), then creates missing Iceberg tables, the heartbeat table and
     * the publication. Throws {@link PreflightException} before writing anything when a check
     * fails.
     */
    public static ArchivePlan prepare(PermafrostConfig config) {
        return prepare(config, false);
    }

    /**
     * @param continuous for {@code run}: also checks that {@code source.stream_reader} can read the
     *     tables
     */
    public static ArchivePlan prepare(PermafrostConfig config, boolean continuous) {
        CatalogSpec catalogSpec = CatalogSpec.of(config.catalog());
        try (Connection conn = SourceConnections.open(config.source())) {
            SourcePreflight preflight = new SourcePreflight(config);
            // Before the tables are described: see ArchiveTable.describedAt
            long walBeforeDescribe = SourceConnections.currentWalLsn(conn);
            List<SourceTable> described = preflight.describe(conn);
            Map<TableId, List<ColumnMapping>> mapped = new LinkedHashMap<>();
            for (SourceTable st : described) {
                // refuse unmappable types before anything is created
                mapped.put(st.id(), ArchiveTables.mapColumns(st));
            }
            // A backfill read wholly by binary COPY needs no replication: it reads one exported
            // snapshot. Anything Flink CDC reads, and every run, needs the slot and publication.
            String copyUnfit =
                    continuous ? "a run streams the WAL" : copyUnfit(config, conn, described);
            if (!continuous && copyUnfit != null) {
                refuseForFlinkCdc(mapped, "a backfill reads it with Flink CDC (" + copyUnfit + ")");
            }
            boolean replication = copyUnfit != null;
            if (replication) {
                preflight.checkReplication(conn, described);
            }
            // Group the tables by the chunk key their CDC source splits by: one slot per group.
            Map<String, List<Integer>> byChunkKey = new LinkedHashMap<>();
            for (int i = 0; i < described.size(); i++) {
                String key =
                        Objects.requireNonNullElse(
                                chunkKeyOf(described.get(i), config.tables().get(i)), "");
                byChunkKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
            List<HeartbeatTable> heartbeats = new ArrayList<>();
            int n = 0;
            for (String key : byChunkKey.keySet()) {
                heartbeats.add(
                        HeartbeatTable.forSlot(slotName(config, n++), key.isEmpty() ? null : key));
            }
            if (replication) {
                preflight.checkPrivileges(conn, described, heartbeats);
            } else {
                preflight.checkSelect(conn, described);
            }
            String pgoutputUnfit = null;
            if (continuous && config.source().streamReader() != PermafrostConfig.StreamReader.CDC) {
                pgoutputUnfit = pgoutputUnfit(conn, described);
                if (pgoutputUnfit != null
                        && config.source().streamReader()
                                == PermafrostConfig.StreamReader.PGOUTPUT) {
                    throw pgoutputRefused(pgoutputUnfit);
                }
            }
            if (continuous && config.source().streamReader() == PermafrostConfig.StreamReader.CDC) {
                refuseForFlinkCdc(mapped, "source.stream_reader is cdc");
            } else if (continuous && pgoutputUnfit != null) {
                refuseForFlinkCdc(mapped, "a run reads it with Flink CDC (" + pgoutputUnfit + ")");
            }

            // Every check passed: from here on things are created.
            Catalog catalog = openCatalog(catalogSpec);
            List<SourceGroup> groups = new ArrayList<>();
            n = 0;
            for (Map.Entry<String, List<Integer>> e : byChunkKey.entrySet()) {
                List<ArchiveTable> tables = new ArrayList<>();
                boolean partitioned = false;
                for (int i : e.getValue()) {
                    tables.add(
                            ArchiveTables.resolve(
                                            catalog,
                                            described.get(i),
                                            config.tables().get(i),
                                            config.parquet())
                                    .describedAt(walBeforeDescribe));
                    partitioned |= described.get(i).partitioned();
                }
                groups.add(
                        new SourceGroup(
                                slotName(config, n),
                                e.getKey().isEmpty() ? null : e.getKey(),
                                List.copyOf(tables),
                                partitioned,
                                heartbeats.get(n)));
                n++;
            }
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
            if (replication) {
                preflight.ensureReplicationObjects(conn, described, heartbeats);
            }
            return new ArchivePlan(
                    config, catalogSpec, List.copyOf(groups), pgoutputUnfit, copyUnfit);
        } catch (SQLException e) {
            throw new PreflightException(1, "checking the source failed: " + e.getMessage(), e);
        } catch (PreflightException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof RuntimeException r
                    && r.getClass().getName().startsWith("io.permafrost")) {
                throw r;
            }
            throw new PreflightException(1, "preparing the archive failed: " + e.getMessage(), e);
        }
    }

    private static void refuseForFlinkCdc(Map<TableId, List<ColumnMapping>> tables, String why) {
        tables.forEach((id, columns) -> ArchiveSourceFactory.checkReadable(id, columns, why));
    }

    /**
     * Why a backfill cannot read these tables with binary COPY ({@code source.snapshot_reader}
     * {@code cdc}, or a table only Flink CDC reads), or null when it reads them all so.
     */
    private static String copyUnfit(
            PermafrostConfig config, Connection conn, List<SourceTable> described)
            throws SQLException {
        if (config.source().snapshotReader() != PermafrostConfig.SnapshotReader.COPY) {
            return "source.snapshot_reader is cdc";
        }
        return pgoutputUnfit(conn, described);
    }

    /** Why the {@code pgoutput} reader cannot read these tables, or null when it can. */
    private static String pgoutputUnfit(Connection conn, List<SourceTable> described)
            throws SQLException {
        Map<TableId, List<PgColumn>> columns = new LinkedHashMap<>();
        for (SourceTable st : described) {
            columns.put(st.id(), st.columns());
        }
        return CopySnapshotSource.unsupportedReason(conn, columns);
    }

    /** The refusal of {@code stream_reader: pgoutput} for tables it cannot read. */
    static ConfigException pgoutputRefused(String reason) {
        return new ConfigException(
                "source.stream_reader",
                "pgoutput cannot read these tables: " + reason,
                "use stream_reader: cdc");
    }

    /** This plan with {@code source.stream_reader} resolved to {@code reader}. */
    ArchivePlan withStreamReader(PermafrostConfig.StreamReader reader) {
        return new ArchivePlan(
                config.withStreamReader(reader), catalog, groups, pgoutputUnfit, copyUnfit);
    }

    /**
     * The archived tables as they are, for commands that read the archive and the source but must
     * not create anything (verify, delete, status): no Iceberg table, publication or slot is made.
     */
    public static List<ArchiveTable> existingArchive(PermafrostConfig config) {
        try (Connection conn = SourceConnections.open(config.source())) {
            List<ArchiveTable> out = new ArrayList<>();
            Catalog catalog = openCatalog(CatalogSpec.of(config.catalog()));
            try {
                for (int i = 0; i < config.tables().size(); i++) {
                    PermafrostConfig.Table cfg = config.tables().get(i);
                    SourceTable st =
                            io.permafrost.schema.PgCatalog.describe(conn, cfg.id())
                                    .orElseThrow(
                                            () ->
                                                    new PreflightException(
                                                            2,
                                                            "table "
                                                                    + cfg.id()
                                                                    + " does not exist in database "
                                                                    + config.source().database()));
                    out.add(
                            ArchiveTables.resolve(
                                    catalog,
                                    SourcePreflight.archived(st, cfg, "tables[" + i + "]"),
                                    cfg,
                                    null));
                }
            } finally {
                if (catalog instanceof AutoCloseable c) {
                    c.close();
                }
            }
            return out;
        } catch (PreflightException e) {
            throw e;
        } catch (Exception e) {
            throw new PreflightException(1, "reading the archive failed: " + e.getMessage(), e);
        }
    }

    public List<ArchiveTable> tables() {
        return groups.stream().flatMap(g -> g.tables().stream()).toList();
    }

    /** The highest value of a range table's window column, or null when the table is empty. */
    public Long maxWindowValue(ArchiveTable t) {
        try (Connection conn = SourceConnections.open(config.source());
                Statement s = conn.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT max(\""
                                        + t.window().column()
                                        + "\") FROM "
                                        + t.id().quoted())) {
            rs.next();
            long v = rs.getLong(1);
            return rs.wasNull() ? null : v;
        } catch (SQLException e) {
            throw new PreflightException(
                    1,
                    "reading max(" + t.window().column() + ") of " + t.id() + ": " + e.getMessage(),
                    e);
        }
    }

    private static String slotName(PermafrostConfig config, int group) {
        return group == 0 ? config.source().slot() : config.source().slot() + "_" + (group + 1);
    }

    private static Catalog openCatalog(CatalogSpec spec) {
        try {
            return spec.open();
        } catch (RuntimeException e) {
            throw new PreflightException(
                    1,
                    "cannot open the Iceberg "
                            + spec.type()
                            + " catalog: "
                            + e.getMessage()
                            + ". Fix: check the catalog section and the warehouse of the config",
                    e);
        }
    }

    /** The chunk key Flink CDC splits the snapshot by: null means the primary key. */
    static String chunkKeyOf(SourceTable st, PermafrostConfig.Table cfg) {
        if (cfg.chunkKey() != null) {
            return cfg.chunkKey();
        }
        boolean hasPk = !st.primaryKey().isEmpty();
        String first = hasPk ? st.primaryKey().get(0) : cfg.keyColumns().get(0);
        PgColumn c = st.column(first).orElseThrow();
        if (!c.array() && SPLITTABLE.contains(c.typeName())) {
            return hasPk ? null : first;
        }
        // e.g. a bytea key: PostgreSQL has no min(bytea), so split by the (indexed) window column
        return cfg.window().column();
    }
}
