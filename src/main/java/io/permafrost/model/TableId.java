package io.permafrost.model;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Pattern;

/** A PostgreSQL table, {@code schema.table}; also names its Iceberg table. */
public record TableId(String schema, String table) implements Serializable {

    private static final Pattern PART = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    public TableId {
        if (!PART.matcher(schema).matches() || !PART.matcher(table).matches()) {
            throw new IllegalArgumentException(
                    "'"
                            + schema
                            + "."
                            + table
                            + "' is not a plain schema.table name (letters, digits, _ )");
        }
    }

    /** Parses {@code schema.table}; a bare {@code table} means {@code public.table}. */
    public static TableId parse(String name) {
        String trimmed = name.trim();
        int dot = trimmed.indexOf('.');
        if (dot < 0) {
            return new TableId("public", trimmed);
        }
        return new TableId(trimmed.substring(0, dot), trimmed.substring(dot + 1));
    }

    /** Whether a user-typed name ({@code schema.table} or {@code table}) names this table. */
    public boolean matches(String name) {
        String n = name.trim();
        return toString().equals(n) || table.equals(n);
    }

    /** The quoted SQL identifier, safe to splice into a statement. */
    public String quoted() {
        return '"' + schema + "\".\"" + table + '"';
    }

    /** A name usable in slot, file and metric names. */
    public String flatName() {
        return (schema + "_" + table).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
