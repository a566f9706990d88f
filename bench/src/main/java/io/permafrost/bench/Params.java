package io.permafrost.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * String key/values passed to a child JVM, and the values it reports back, as a properties file.
 */
public final class Params {

    private final Properties p = new Properties();

    public Params set(String key, Object value) {
        if (value != null) {
            p.setProperty(key, String.valueOf(value));
        }
        return this;
    }

    public String get(String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("missing parameter " + key);
        }
        return v;
    }

    public String get(String key, String dflt) {
        return p.getProperty(key, dflt);
    }

    public long getLong(String key) {
        return Long.parseLong(get(key));
    }

    public long getLong(String key, long dflt) {
        String v = p.getProperty(key);
        return v == null ? dflt : Long.parseLong(v);
    }

    public double getDouble(String key, double dflt) {
        String v = p.getProperty(key);
        return v == null ? dflt : Double.parseDouble(v);
    }

    public boolean has(String key) {
        return p.containsKey(key);
    }

    public Params copy() {
        Params c = new Params();
        c.p.putAll(p);
        return c;
    }

    public void write(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
    }

    public static Params read(Path file) throws IOException {
        Params r = new Params();
        try (Reader in = Files.newBufferedReader(file)) {
            r.p.load(in);
        }
        return r;
    }

    /** A JDBC URL for a database of the benchmark's PostgreSQL. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + get("pg.port") + "/" + database;
    }

    @Override
    public String toString() {
        return p.toString();
    }
}
