package io.permafrost.schema;

import io.permafrost.model.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads what Permafrost needs to know about a table from the PostgreSQL catalog. */
public final class PgCatalog {

    /**
     * A table as the catalog describes it.
     *
     * @param identities the replica identity of each relation that holds the table's rows: the
     *     table itself, or for a partitioned table its partitions, and any inheritance children (a
     *     publication of the table publishes their changes too, each under its own identity)
     */
    public record SourceTable(
            TableId id,
            List<PgColumn> columns,
            List<String> primaryKey,
            boolean partitioned,
            boolean hasToastableColumns,
            List<ReplicaIdentity> identities) {

        public Optional<PgColumn> column(String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst();
        }

        /**
         * This table without the named columns. Whether its columns may be TOASTed stays as read:
         * an unchanged TOASTed value of a column left out is never read, but the check of the
         * replica identity (which needs FULL then) is not loosened.
         */
        public SourceTable without(java.util.Collection<String> names) {
            if (names.isEmpty()) {
                return this;
            }
            return new SourceTable(
                    id,
                    columns.stream().filter(c -> !names.contains(c.name())).toList(),
                    primaryKey,
                    partitioned,
                    hasToastableColumns,
                    identities);
        }
    }

    /**
     * The replica identity of one relation that holds rows: what its updates and deletes write to
     * the WAL about the old row.
     *
     * @param setting {@code pg_class.relreplident}: {@code d} default (the primary key), {@code n}
     *     nothing, {@code f} full, {@code i} an index
     */
    public record ReplicaIdentity(
            Relation relation, char setting, boolean hasPrimaryKey, boolean hasIdentityIndex) {

        /**
         * Whether PostgreSQL can log which row an update or delete changed. Without it, PostgreSQL
         * refuses every UPDATE and DELETE of the relation once a publication publishes them.
         */
        public boolean identifiesRows() {
            return switch (setting) {
                case 'f' -> true;
                case 'd' -> hasPrimaryKey;
                case 'i' -> hasIdentityIndex;
                default -> false;
            };
        }

        public boolean full() {
            return setting == 'f';
        }
    }

    /**
     * A relation by its catalog name. Unlike {@link TableId}, which names what a user configures,
     * any name PostgreSQL allows (a partition may be called {@code "events 2024-01"}).
     */
    public record Relation(String schema, String name) {

        /** The quoted SQL identifier, safe to splice into a statement. */
        public String quoted() {
            return '"' + schema.replace("\"", "\"\"") + "\".\"" + name.replace("\"", "\"\"") + '"';
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }
    }

    private PgCatalog() {}

    /** Describes a table, or returns empty when it does not exist. */
    public static Optional<SourceTable> describe(Connection conn, TableId id) throws SQLException {
        long oid;
        char relkind;
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT c.oid, c.relkind FROM pg_class c "
                                + "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                + "WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r','p')")) {
            st.setString(1, id.schema());
            st.setString(2, id.table());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                oid = rs.getLong(1);
                relkind = rs.getString(2).charAt(0);
            }
        }
        List<PgColumn> columns = new ArrayList<>();
        boolean toastable = false;
        PgTypes types = new PgTypes(conn);
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT a.attname, a.atttypid::int, a.atttypmod, a.attnotnull, "
                                + "t.typstorage <> 'p' AS toastable "
                                + "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                                + "WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped "
                                + "ORDER BY a.attnum")) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    PgTypes.Resolved type = types.resolve(rs.getInt(2), rs.getInt(3));
                    columns.add(
                            new PgColumn(
                                    rs.getString(1),
                                    type.typeName(),
                                    type.typeKind(),
                                    type.typmod(),
                                    type.array(),
                                    rs.getBoolean(4) || type.notNull()));
                    toastable |= rs.getBoolean(5);
                }
            }
        }
        List<String> pk = new ArrayList<>();
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT a.attname FROM pg_index i "
                                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                                + "WHERE i.indrelid = ? AND i.indisprimary "
                                + "ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        return Optional.of(
                new SourceTable(
                        id,
                        List.copyOf(columns),
                        List.copyOf(pk),
                        relkind == 'p',
                        toastable,
                        identities(conn, oid)));
    }

    /** The table and its descendants (partitions, inheritance children) that hold rows. */
    private static List<ReplicaIdentity> identities(Connection conn, long oid) throws SQLException {
        List<ReplicaIdentity> out = new ArrayList<>();
        try (PreparedStatement st =
                conn.prepareStatement(
                        "WITH RECURSIVE tree(relid) AS (SELECT ?::oid UNION"
                                + " SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)"
                                + " SELECT n.nspname, c.relname, c.relreplident,"
                                + " EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary),"
                                + " EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisreplident)"
                                + " FROM tree t JOIN pg_class c ON c.oid = t.relid"
                                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE c.relkind = 'r' ORDER BY n.nspname, c.relname")) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(
                            new ReplicaIdentity(
                                    new Relation(rs.getString(1), rs.getString(2)),
                                    rs.getString(3).charAt(0),
                                    rs.getBoolean(4),
                                    rs.getBoolean(5)));
                }
            }
        }
        return List.copyOf(out);
    }
}
