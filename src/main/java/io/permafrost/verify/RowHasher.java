package io.permafrost.verify;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The canonical byte form of a row's values and its 128-bit hash. Both sides of a verification
 * first turn their values into Iceberg's generic Java values (the archive reader returns them; the
 * source reader converts JDBC values with {@link SourceValues}), then call this one class, so "the
 * same code over the same canonical values" holds by construction.
 *
 * <p>Every value is written as a type tag plus a fixed or length-prefixed payload, so two different
 * rows cannot encode to the same bytes (no separator ambiguity, NULL distinct from empty).
 */
public final class RowHasher {

    private final MessageDigest sha256;
    private final ByteBuffer scratch = ByteBuffer.allocate(16);

    public RowHasher() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The canonical bytes of a tuple of values, e.g. a primary key. */
    public byte[] encode(List<?> values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(64);
        for (Object v : values) {
            write(out, v);
        }
        return out.toByteArray();
    }

    /** The first 16 bytes of SHA-256 over the canonical bytes, as {high, low}. */
    public long[] hash(List<?> values) {
        byte[] digest = sha256.digest(encode(values));
        ByteBuffer b = ByteBuffer.wrap(digest);
        return new long[] {b.getLong(), b.getLong()};
    }

    private void write(java.io.ByteArrayOutputStream out, Object v) {
        if (v == null) {
            out.write(0);
        } else if (v instanceof Boolean b) {
            out.write(1);
            out.write(b ? 1 : 0);
        } else if (v instanceof Integer i) {
            out.write(2);
            fixed(out, i);
        } else if (v instanceof Long l) {
            out.write(3);
            fixed(out, l);
        } else if (v instanceof Float f) {
            out.write(4);
            fixed(out, Float.floatToIntBits(f)); // one NaN; -0.0 stays distinct from 0.0
        } else if (v instanceof Double d) {
            out.write(5);
            fixed(out, Double.doubleToLongBits(d));
        } else if (v instanceof BigDecimal d) {
            out.write(6);
            fixed(out, d.scale());
            bytes(out, d.unscaledValue().toByteArray());
        } else if (v instanceof CharSequence s) {
            out.write(7);
            bytes(out, s.toString().getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            out.write(8);
            bytes(out, bytes);
        } else if (v instanceof byte[] bytes) {
            out.write(8);
            bytes(out, bytes);
        } else if (v instanceof UUID u) {
            out.write(9);
            fixed(out, u.getMostSignificantBits());
            fixed(out, u.getLeastSignificantBits());
        } else if (v instanceof LocalDate d) {
            out.write(10);
            fixed(out, d.toEpochDay());
        } else if (v instanceof LocalTime t) {
            out.write(11);
            fixed(out, t.toNanoOfDay() / 1000);
        } else if (v instanceof LocalDateTime t) {
            out.write(12);
            fixed(out, micros(t.toEpochSecond(ZoneOffset.UTC), t.getNano()));
        } else if (v instanceof OffsetDateTime t) {
            out.write(13);
            fixed(out, micros(t.toEpochSecond(), t.getNano()));
        } else if (v instanceof List<?> list) {
            out.write(14);
            fixed(out, list.size());
            for (Object e : list) {
                write(out, e);
            }
        } else {
            throw new IllegalArgumentException("no canonical form for " + v.getClass().getName());
        }
    }

    private static long micros(long seconds, int nanos) {
        return seconds * 1_000_000L + nanos / 1000;
    }

    private void fixed(java.io.ByteArrayOutputStream out, long v) {
        scratch.clear();
        scratch.putLong(v);
        out.write(scratch.array(), 0, 8);
    }

    private void fixed(java.io.ByteArrayOutputStream out, int v) {
        scratch.clear();
        scratch.putInt(v);
        out.write(scratch.array(), 0, 4);
    }

    private void bytes(java.io.ByteArrayOutputStream out, byte[] b) {
        fixed(out, b.length);
        out.write(b, 0, b.length);
    }
}
