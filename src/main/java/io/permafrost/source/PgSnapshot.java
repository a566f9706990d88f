package io.permafrost.source;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * A PostgreSQL transaction snapshot as {@code pg_current_snapshot()} prints it, {@code
 * xmin:xmax:xip,...} (64-bit transaction ids): which transactions' rows it sees. A backfill records
 * one taken before it reads, so that a later run can tell the rows of an archived window that the
 * backfill cannot have archived (their {@code xmin} is a transaction the snapshot does not see).
 */
public final class PgSnapshot implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Transaction ids below this (invalid, bootstrap, frozen) are seen by every snapshot. */
    private static final long FIRST_NORMAL_XID = 3;

    private final long xmin;
    private final long xmax;
    private final long[] inProgress;
    private final String text;

    private PgSnapshot(long xmin, long xmax, long[] inProgress, String text) {
        this.xmin = xmin;
        this.xmax = xmax;
        this.inProgress = inProgress;
        this.text = text;
    }

    /** Parses {@code xmin:xmax:xip,...}; throws IllegalArgumentException on anything else. */
    public static PgSnapshot parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a PostgreSQL snapshot: " + text);
        }
        try {
            long xmin = Long.parseLong(parts[0]);
            long xmax = Long.parseLong(parts[1]);
            long[] xip =
                    parts[2].isEmpty()
                            ? new long[0]
                            : Arrays.stream(parts[2].split(","))
                                    .mapToLong(Long::parseLong)
                                    .toArray();
            Arrays.sort(xip);
            if (xmin < 0 || xmax < xmin) {
                throw new IllegalArgumentException("not a PostgreSQL snapshot: " + text);
            }
            return new PgSnapshot(xmin, xmax, xip, text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a PostgreSQL snapshot: " + text, e);
        }
    }

    /** The current snapshot of the connection's transaction (or of a new one, in autocommit). */
    public static PgSnapshot current(Connection c) throws SQLException {
        String function =
                c.getMetaData().getDatabaseMajorVersion() >= 13
                        ? "pg_current_snapshot()"
                        : "txid_current_snapshot()";
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + function + "::text")) {
            rs.next();
            return parse(rs.getString(1));
        }
    }

    /** The first transaction id this snapshot sees as not yet started. */
    public long xmax() {
        return xmax;
    }

    /** Whether the rows a committed transaction wrote are visible in this snapshot. */
    public boolean sees(long xid) {
        if (xid < xmin) {
            return true;
        }
        return xid < xmax && Arrays.binarySearch(inProgress, xid) < 0;
    }

    /**
     * The 64-bit id of a tuple's 32-bit {@code xmin}, read in a snapshot whose {@code xmax} is
     * {@code readerXmax}: the newest id below that with these low 32 bits. A tuple frozen more than
     * 2^32 transactions ago may come out too new: the caller then archives it once more (a copy of
     * a row, never a loss).
     */
    public static long widen(long rawXmin, long readerXmax) {
        long raw = rawXmin & 0xFFFF_FFFFL;
        if (raw < FIRST_NORMAL_XID) {
            return raw;
        }
        long xid = (readerXmax & ~0xFFFF_FFFFL) | raw;
        if (xid >= readerXmax) {
            xid -= 1L << 32;
        }
        return Math.max(xid, FIRST_NORMAL_XID);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgSnapshot s && text.equals(s.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** As PostgreSQL prints it. */
    @Override
    public String toString() {
        return text;
    }
}
