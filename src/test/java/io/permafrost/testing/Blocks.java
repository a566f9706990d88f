package io.permafrost.testing;

/**
 * A {@code blocks} table keyed by height, as a chain indexer keeps one: {@code height bigint
 * PRIMARY KEY, hash bytea NOT NULL}, REPLICA IDENTITY FULL, archived in height windows of 10.
 */
public final class Blocks {

    /** The {@code tables:} entry that archives it. */
    public static final String TABLE_YAML =
            "  - name: blocks\n    window: {column: height, range: 10}\n";

    private Blocks() {}

    /** Creates the table with the heights {@code 0..initial-1}. */
    public static void create(String db, int initial) {
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks (height bigint PRIMARY KEY, hash bytea NOT NULL)",
                "ALTER TABLE blocks REPLICA IDENTITY FULL");
        if (initial > 0) {
            insert(db, 0, initial - 1);
        }
    }

    /** Inserts the heights {@code from..to}, in one transaction. */
    public static void insert(String db, int from, int to) {
        EmbeddedPostgres.execute(
                db,
                "INSERT INTO blocks SELECT g, decode(md5(g::text), 'hex') FROM generate_series("
                        + from
                        + ", "
                        + to
                        + ") g");
    }
}
