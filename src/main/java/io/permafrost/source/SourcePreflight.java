package io.permafrost.source;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import io.permafrost.schema.PgCatalog;
import io.permafrost.schema.PgCatalog.SourceTable;
import io.permafrost.schema.PgColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before anything is written, that the database can be archived: logical replication is on,
 * every table exists, its window column fits its window, every row can be keyed, updates carry full
 * rows. Then makes sure the heartbeat tables and the publication exist.
 */
public final class SourcePreflight {

    private static final Logger LOG = LoggerFactory.getLogger(SourcePreflight.class);

    private static final Set<String> TIME_TYPES = Set.of("timestamp", "timestamptz", "date");
    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8");

    private final PermafrostConfig config;

    public SourcePreflight(PermafrostConfig config) {
        this.config = config;
    }

    /** Runs every read-only check and returns the described tables in config order. */
    public List<SourceTable> check(Connection conn) throws SQLException {
        List<SourceTable> described = describe(conn);
        checkReplication(conn, described);
        return described;
    }

    /**
     * Describes the configured tables and checks what every job needs of them (they exist, their
     * window column and key), in config order.
     */
    public List<SourceTable> describe(Connection conn) throws SQLException {
        List<SourceTable> described = new ArrayList<>();
        for (int i = 0; i < config.tables().size(); i++) {
            described.add(checkTable(conn, config.tables().get(i), "tables[" + i + "]"));
        }
        return described;
    }

    /**
     * Checks what reading the tables' changes through logical replication needs: {@code wal_level =
     * logical}, and a replica identity on every relation that holds their rows.
     */
    public void checkReplication(Connection conn, List<SourceTable> described) throws SQLException {
        String walLevel = single(conn, "SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            throw new PreflightException(
                    1,
                    "wal_level must be 'logical' but is '"
                            + walLevel
                            + "' on "
                            + config.source()
                            + ". Fix: run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL");
        }
        for (SourceTable st : described) {
            for (PgCatalog.ReplicaIdentity r : st.identities()) {
                checkReplicaIdentity(st, r);
            }
        }
    }

    /**
     * Checks, read-only, that the user may do what comes after the checks: read the tables, create
     * or write the heartbeat table, create or extend the publication, and create a replication
     * slot. Without this a missing right would surface only after the Iceberg tables exist.
     */
    public void checkPrivileges(
            Connection conn, List<SourceTable> tables, List<HeartbeatTable> heartbeats)
            throws SQLException {
        checkReplicationRole(conn);
        checkSelect(conn, tables);
        checkReplicationObjects(conn, tables, heartbeats);
    }

    private void checkReplicationRole(Connection conn) throws SQLException {
        String user = '"' + config.source().user() + '"';
        if (!bool(
                conn,
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            throw new PreflightException(
                    1,
                    "user "
                            + user
                            + " may not use logical replication (it is neither REPLICATION nor superuser). "
                            + "Fix: ALTER ROLE "
                            + user
                            + " REPLICATION");
        }
    }

    /** Checks, read-only, that the user may read the tables. */
    public void checkSelect(Connection conn, List<SourceTable> tables) throws SQLException {
        String user = '"' + config.source().user() + '"';
        for (SourceTable t : tables) {
            if (!bool(
                    conn,
                    "SELECT has_table_privilege(to_regclass(?), 'SELECT')",
                    t.id().quoted())) {
                throw new PreflightException(
                        1,
                        "user "
                                + user
                                + " cannot read table "
                                + t.id()
                                + ". Fix: GRANT SELECT ON "
                                + t.id().quoted()
                                + " TO "
                                + user);
            }
        }
    }

    private void checkReplicationObjects(
            Connection conn, List<SourceTable> tables, List<HeartbeatTable> heartbeats)
            throws SQLException {
        String user = '"' + config.source().user() + '"';
        List<TableId> existingHeartbeats = new ArrayList<>();
        for (HeartbeatTable heartbeat : heartbeats) {
            TableId hbId = heartbeat.id();
            String hb = hbId.quoted();
            boolean hbExists = bool(conn, "SELECT to_regclass(?) IS NOT NULL", hb);
            if (!hbExists
                    && !bool(conn, "SELECT has_schema_privilege(?, 'CREATE')", hbId.schema())) {
                throw new PreflightException(
                        1,
                        "user "
                                + user
                                + " cannot create the heartbeat table "
                                + hbId
                                + " (no CREATE on schema "
                                + hbId.schema()
                                + "). Fix: GRANT CREATE ON SCHEMA "
                                + hbId.schema()
                                + " TO "
                                + user);
            }
            if (hbExists
                    && !bool(
                            conn,
                            "SELECT has_table_privilege(to_regclass(?), 'INSERT')"
                                    + " AND has_table_privilege(to_regclass(?), 'UPDATE')",
                            hb,
                            hb)) {
                throw new PreflightException(
                        1,
                        "user "
                                + user
                                + " cannot write the heartbeat table "
                                + hbId
                                + ". Fix: GRANT INSERT, UPDATE ON "
                                + hb
                                + " TO "
                                + user);
            }
            if (hbExists) {
                existingHeartbeats.add(hbId);
            }
        }
        String pub = '"' + config.source().publication() + '"';
        Publication p = readPublication(conn);
        if (p.exists() && !(p.publishes().contains("insert") && p.publishes().contains("update"))) {
            throw new PreflightException(
                    1,
                    "publication "
                            + pub
                            + " publishes only "
                            + (p.publishes().isEmpty() ? "nothing" : p.publishes())
                            + ", but Permafrost archives inserted and updated rows: those it does not"
                            + " publish would never reach the archive. Fix: ALTER PUBLICATION "
                            + pub
                            + " SET (publish = 'insert, update'), adding any operation another"
                            + " subscriber of it needs");
        }
        if (p.allTables()) {
            return;
        }
        if (!p.exists()
                && !bool(conn, "SELECT has_database_privilege(current_database(), 'CREATE')")) {
            throw new PreflightException(
                    1,
                    "user "
                            + user
                            + " cannot create publication "
                            + pub
                            + " (no CREATE on database "
                            + config.source().database()
                            + "). Fix: GRANT CREATE ON DATABASE \""
                            + config.source().database()
                            + "\" TO "
                            + user);
        }
        List<TableId> toAdd = new ArrayList<>();
        tables.forEach(t -> toAdd.add(t.id()));
        toAdd.addAll(existingHeartbeats);
        toAdd.removeIf(id -> p.tables().contains(id.toString()));
        if (toAdd.isEmpty()) {
            return;
        }
        if (p.exists() && !p.owned()) {
            throw new PreflightException(
                    1,
                    "publication "
                            + pub
                            + " lacks "
                            + toAdd
                            + ", and only its owner may add tables. Fix: as its owner run ALTER PUBLICATION "
                            + pub
                            + " ADD TABLE "
                            + String.join(", ", toAdd.stream().map(TableId::quoted).toList()));
        }
        for (TableId id : toAdd) {
            if (!bool(
                    conn,
                    "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)",
                    id.quoted())) {
                throw new PreflightException(
                        1,
                        "user "
                                + user
                                + " must own table "
                                + id
                                + " to add it to publication "
                                + pub
                                + " (PostgreSQL lets only a table's owner publish it). Fix: ALTER TABLE "
                                + id.quoted()
                                + " OWNER TO "
                                + user);
            }
        }
    }

    /**
     * What the catalog says about this config's publication.
     *
     * @param publishes the operations it publishes, e.g. {@code [insert, update]}
     */
    private record Publication(
            boolean exists,
            boolean allTables,
            boolean owned,
            Set<String> tables,
            List<String> publishes) {}

    private Publication readPublication(Connection conn) throws SQLException {
        String pub = config.source().publication();
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT puballtables, pg_has_role(pubowner, 'USAGE'), pubinsert, pubupdate,"
                                + " pubdelete, pubtruncate FROM pg_publication WHERE pubname = ?")) {
            st.setString(1, pub);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return new Publication(false, false, false, Set.of(), List.of());
                }
                boolean allTables = rs.getBoolean(1);
                boolean owned = rs.getBoolean(2);
                List<String> publishes = new ArrayList<>();
                String[] operations = {"insert", "update", "delete", "truncate"};
                for (int i = 0; i < operations.length; i++) {
                    if (rs.getBoolean(3 + i)) {
                        publishes.add(operations[i]);
                    }
                }
                Set<String> present = new HashSet<>();
                try (PreparedStatement tables =
                        conn.prepareStatement(
                                "SELECT n.nspname || '.' || c.relname FROM pg_publication_rel pr "
                                        + "JOIN pg_publication p ON p.oid = pr.prpubid "
                                        + "JOIN pg_class c ON c.oid = pr.prrelid "
                                        + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = ?")) {
                    tables.setString(1, pub);
                    try (ResultSet t = tables.executeQuery()) {
                        while (t.next()) {
                            present.add(t.getString(1));
                        }
                    }
                }
                return new Publication(
                        true, allTables, owned, Set.copyOf(present), List.copyOf(publishes));
            }
        }
    }

    private SourceTable checkTable(Connection conn, PermafrostConfig.Table t, String key)
            throws SQLException {
        SourceTable st =
                PgCatalog.describe(conn, t.id())
                        .orElseThrow(
                                () ->
                                        new PreflightException(
                                                2,
                                                "config '"
                                                        + key
                                                        + ".name': table "
                                                        + t.id()
                                                        + " does not exist in database "
                                                        + config.source().database()
                                                        + ". Fix: check the name (schema.table) "
                                                        + "and that user "
                                                        + config.source().user()
                                                        + " can see it"));
        WindowSpec w = t.window();
        PgColumn col =
                st.column(w.column())
                        .orElseThrow(
                                () ->
                                        new PreflightException(
                                                2,
                                                "config '"
                                                        + key
                                                        + ".window.column': table "
                                                        + t.id()
                                                        + " has no column '"
                                                        + w.column()
                                                        + "'. Fix: use one of "
                                                        + st.columns().stream()
                                                                .map(PgColumn::name)
                                                                .toList()));
        boolean timeWindow = w instanceof WindowSpec.Time;
        Set<String> allowed = timeWindow ? TIME_TYPES : INTEGER_TYPES;
        if (col.array() || !allowed.contains(col.typeName())) {
            throw new PreflightException(
                    2,
                    "config '"
                            + key
                            + ".window': column "
                            + t.id()
                            + "."
                            + col.name()
                            + " has type "
                            + col.displayType()
                            + ", but a "
                            + (timeWindow ? "granularity" : "range")
                            + " window needs "
                            + (timeWindow
                                    ? "timestamp, timestamptz or date"
                                    : "smallint, integer or bigint")
                            + ". Fix: "
                            + (timeWindow
                                    ? "use 'range: N' for an integer column, or "
                                    : "use 'granularity' for a time column, or ")
                            + "window on another column");
        }
        if (timeWindow
                && col.typeName().equals("date")
                && ((WindowSpec.Time) w).granularity() == io.permafrost.model.Granularity.HOURLY) {
            throw new PreflightException(
                    2,
                    "config '"
                            + key
                            + ".window.granularity': hourly windows need a timestamp column, but "
                            + col.name()
                            + " is a date. Fix: use daily or monthly");
        }
        if (!col.notNull()) {
            throw new PreflightException(
                    2,
                    "config '"
                            + key
                            + ".window.column': column "
                            + t.id()
                            + "."
                            + col.name()
                            + " is nullable; a row without a window value could not be archived. Fix: "
                            + "ALTER TABLE "
                            + t.id().quoted()
                            + " ALTER COLUMN \""
                            + col.name()
                            + "\" SET NOT NULL (or window on a NOT NULL column)");
        }
        if (st.primaryKey().isEmpty() && t.keyColumns().isEmpty()) {
            throw new PreflightException(
                    2,
                    "config '"
                            + key
                            + "': table "
                            + t.id()
                            + " has no primary key, so its rows cannot "
                            + "be told apart during the snapshot. Fix: add a primary key, or set "
                            + "'key: [columns]' to a unique set of columns");
        }
        for (String k : t.keyColumns()) {
            if (st.column(k).isEmpty()) {
                throw new PreflightException(
                        2,
                        "config '" + key + ".key': table " + t.id() + " has no column '" + k + "'");
            }
        }
        if (t.chunkKey() != null && st.column(t.chunkKey()).isEmpty()) {
            throw new PreflightException(
                    2,
                    "config '"
                            + key
                            + ".chunk_key': table "
                            + t.id()
                            + " has no column '"
                            + t.chunkKey()
                            + "'");
        }
        return archived(st, t, key);
    }

    /**
     * The table as archived: without the columns of {@code exclude_columns}, which must be columns
     * of the table and not of its primary key (rows are told apart by it).
     *
     * @param key the table's place in the config, e.g. {@code tables[0]}
     */
    public static SourceTable archived(SourceTable st, PermafrostConfig.Table t, String key) {
        for (String c : t.excludeColumns()) {
            String problem = null;
            if (st.column(c).isEmpty()) {
                problem =
                        "table "
                                + t.id()
                                + " has no column '"
                                + c
                                + "'. Fix: remove it from the list, or use one of "
                                + st.columns().stream().map(PgColumn::name).toList();
            } else if (st.primaryKey().contains(c)) {
                problem =
                        "column '"
                                + c
                                + "' is in the primary key of "
                                + t.id()
                                + ", by which archived rows are told apart and verified. Fix:"
                                + " remove it from the list";
            }
            if (problem != null) {
                throw new PreflightException(2, "config '" + key + ".exclude_columns': " + problem);
            }
        }
        return st.without(t.excludeColumns());
    }

    /**
     * Every relation holding the table's rows (the table, or its partitions, and inheritance
     * children) must tell PostgreSQL which row an update changed: the publication publishes
     * updates, and PostgreSQL refuses UPDATE and DELETE of a published relation that cannot. With
     * columns that may be TOASTed the identity must be FULL, or an update would reach the archive
     * with placeholders for unchanged values. PostgreSQL does not pass a table's REPLICA IDENTITY
     * down to its partitions or children, so each is checked and named.
     */
    private void checkReplicaIdentity(SourceTable st, PgCatalog.ReplicaIdentity r) {
        boolean own =
                r.relation().schema().equals(st.id().schema())
                        && r.relation().name().equals(st.id().table());
        String where =
                own
                        ? "table " + st.id()
                        : "table "
                                + st.id()
                                + "'s "
                                + (st.partitioned() ? "partition " : "child table ")
                                + r.relation();
        String passDown =
                own
                        ? ""
                        : " (PostgreSQL does not pass a table's REPLICA IDENTITY down to its "
                                + (st.partitioned() ? "partitions" : "children")
                                + ")";
        String fix = "Fix: ALTER TABLE " + r.relation().quoted() + " REPLICA IDENTITY FULL";
        if (st.hasToastableColumns() && !r.full()) {
            throw new PreflightException(
                    2,
                    "table "
                            + st.id()
                            + " has columns whose values PostgreSQL may store out of line "
                            + "(TOAST), and "
                            + (own
                                    ? "its REPLICA IDENTITY"
                                    : "the REPLICA IDENTITY of " + r.relation())
                            + " is not FULL"
                            + passDown
                            + ": an update would reach the archive with placeholders instead of the"
                            + " unchanged values. "
                            + fix);
        }
        if (!r.identifiesRows()) {
            String setting =
                    switch (r.setting()) {
                        case 'd' -> "REPLICA IDENTITY DEFAULT and no primary key";
                        case 'n' -> "REPLICA IDENTITY NOTHING";
                        case 'i' -> "REPLICA IDENTITY USING INDEX, but that index is gone";
                        default -> "REPLICA IDENTITY '" + r.setting() + "'";
                    };
            throw new PreflightException(
                    2,
                    where
                            + " has no replica identity ("
                            + setting
                            + ")"
                            + passDown
                            + ": once it is in publication \""
                            + config.source().publication()
                            + "\", which publishes updates, PostgreSQL refuses every UPDATE and DELETE"
                            + " of it, the application's too. "
                            + fix);
        }
    }

    /** Creates the heartbeat tables and the publication when missing; adds missing tables. */
    public void ensureReplicationObjects(
            Connection conn, List<SourceTable> tables, List<HeartbeatTable> heartbeats)
            throws SQLException {
        for (HeartbeatTable h : heartbeats) {
            h.ensure(conn);
        }
        String pub = config.source().publication();
        List<TableId> wanted = new ArrayList<>();
        tables.forEach(t -> wanted.add(t.id()));
        heartbeats.forEach(h -> wanted.add(h.id()));
        Publication p = readPublication(conn);
        if (!p.exists()) {
            String list = String.join(", ", wanted.stream().map(TableId::quoted).toList());
            try (Statement s = conn.createStatement()) {
                s.execute(
                        "CREATE PUBLICATION \""
                                + pub
                                + "\" FOR TABLE "
                                + list
                                + " WITH (publish = 'insert, update',"
                                + " publish_via_partition_root = true)");
            }
            LOG.info("Created publication {} for {}", pub, wanted);
            return;
        }
        if (p.allTables()) {
            return;
        }
        Set<String> present = p.tables();
        for (TableId id : wanted) {
            if (!present.contains(id.toString())) {
                try (Statement s = conn.createStatement()) {
                    s.execute("ALTER PUBLICATION \"" + pub + "\" ADD TABLE " + id.quoted());
                }
                LOG.info("Added {} to publication {}", id, pub);
            }
        }
    }

    private static boolean bool(Connection conn, String sql, String... params) throws SQLException {
        try (PreparedStatement st = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setString(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String single(Connection conn, String sql) throws SQLException {
        try (Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
