package io.permafrost.source;

/** PostgreSQL log sequence numbers, as PostgreSQL writes them: {@code 16/B374D848}. */
public final class Lsn {

    private Lsn() {}

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase()
                + "/"
                + Long.toHexString(lsn & 0xffffffffL).toUpperCase();
    }

    public static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an LSN: " + lsn);
        }
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32)
                | Long.parseLong(lsn.substring(slash + 1), 16);
    }
}
