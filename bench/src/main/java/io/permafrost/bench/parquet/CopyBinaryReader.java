package io.permafrost.bench.parquet;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads PostgreSQL's {@code COPY ... (FORMAT binary)} stream one tuple at a time, without copying
 * field values: after {@link #next()}, field {@code i} is {@code len(i)} bytes at {@code off(i)} of
 * {@link #buf()} ({@code len(i) == -1} for NULL). Valid until the next call.
 */
public final class CopyBinaryReader {

    private static final byte[] SIGNATURE = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0
    };

    private final InputStream in;
    private byte[] buf = new byte[1 << 20];
    private int pos;
    private int limit;
    private int[] off = new int[16];
    private int[] len = new int[16];
    private int fields;
    private boolean started;
    private long bytesRead;

    public CopyBinaryReader(InputStream in) {
        this.in = in;
    }

    /** Advances to the next tuple; false at the trailer. */
    public boolean next() throws IOException {
        if (!started) {
            readHeader();
            started = true;
        }
        // Keep the whole tuple in the buffer: compact once the read position is past half.
        if (pos > buf.length / 2) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        ensure(2);
        int n = readShort();
        if (n == -1) {
            return false;
        }
        if (n > off.length) {
            off = new int[n];
            len = new int[n];
        }
        fields = n;
        for (int i = 0; i < n; i++) {
            ensure(4);
            int l = readInt();
            len[i] = l;
            if (l > 0) {
                ensure(l);
            }
            off[i] = pos;
            if (l > 0) {
                pos += l;
            }
        }
        return true;
    }

    public byte[] buf() {
        return buf;
    }

    public int fields() {
        return fields;
    }

    public int off(int i) {
        return off[i];
    }

    public int len(int i) {
        return len[i];
    }

    /** Bytes of the stream consumed so far. */
    public long bytesRead() {
        return bytesRead;
    }

    private void readHeader() throws IOException {
        ensure(SIGNATURE.length + 8);
        if (!Arrays.equals(buf, pos, pos + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new IOException("not a PostgreSQL binary COPY stream");
        }
        pos += SIGNATURE.length;
        readInt(); // flags
        int ext = readInt();
        ensure(ext);
        pos += ext;
    }

    private int readShort() {
        int v = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
        pos += 2;
        return (short) v;
    }

    private int readInt() {
        int v = getInt(buf, pos);
        pos += 4;
        return v;
    }

    /**
     * Makes {@code n} bytes from {@code pos} available. Offsets of earlier fields of the current
     * tuple stay valid: the buffer is only compacted between tuples, and grown by copying in place.
     */
    private void ensure(int n) throws IOException {
        if (limit - pos >= n) {
            return;
        }
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
        while (limit - pos < n) {
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                throw new EOFException("binary COPY stream ended inside a tuple");
            }
            limit += r;
            bytesRead += r;
        }
    }

    public static int getInt(byte[] b, int i) {
        return ((b[i] & 0xff) << 24)
                | ((b[i + 1] & 0xff) << 16)
                | ((b[i + 2] & 0xff) << 8)
                | (b[i + 3] & 0xff);
    }

    public static long getLong(byte[] b, int i) {
        return ((long) getInt(b, i) << 32) | (getInt(b, i + 4) & 0xffffffffL);
    }

    public static short getShort(byte[] b, int i) {
        return (short) (((b[i] & 0xff) << 8) | (b[i + 1] & 0xff));
    }
}
