package io.permafrost.source;

import io.permafrost.model.TableId;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * The one-row table whose updates carry a slot's heartbeat through the WAL: {@code
 * public.permafrost_hb_<slot>}. It is read by the same CDC source as the archived tables, and Flink
 * CDC splits every table of a source by the same chunk key column, so the table's key column is
 * named like that chunk key ({@code slot} when the source splits by primary keys).
 */
public record HeartbeatTable(TableId id, String keyColumn) implements Serializable {

    public static final String PREFIX = "permafrost_hb_";

    public static HeartbeatTable forSlot(String slot, String chunkKey) {
        String name = PREFIX + slot;
        if (name.length() > 63) {
            name = PREFIX + sha1(slot).substring(0, 16);
        }
        return new HeartbeatTable(
                new TableId("public", name), chunkKey == null ? "slot" : chunkKey);
    }

    /** Creates the table, or re-creates it when an earlier config split by another column. */
    public void ensure(Connection conn) throws SQLException {
        boolean fits = false;
        boolean exists = false;
        try (PreparedStatement st =
                conn.prepareStatement(
                        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? "
                                + "AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
            st.setString(1, id.schema());
            st.setString(2, id.table());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    exists = true;
                    fits |= rs.getString(1).equals(keyColumn);
                }
            }
        }
        try (Statement s = conn.createStatement()) {
            if (exists && !fits) {
                s.execute("DROP TABLE " + id.quoted());
            }
            if (!exists || !fits) {
                s.execute(
                        "CREATE TABLE "
                                + id.quoted()
                                + " (\""
                                + keyColumn
                                + "\" text PRIMARY KEY, ts timestamptz NOT NULL)");
            }
        }
    }

    /** The statement that beats once. */
    public String upsert() {
        return "INSERT INTO "
                + id.quoted()
                + " (\""
                + keyColumn
                + "\", ts) VALUES ('beat', now()) "
                + "ON CONFLICT (\""
                + keyColumn
                + "\") DO UPDATE SET ts = now()";
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-1")
                                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
