package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import io.permafrost.cli.DemoCommand;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * 7w. The WAL decode rate, the physical limit of streaming: a {@code pgoutput} slot and a
 * publication on an empty copy of the seed table, {@code rows} inserted in transactions of {@code
 * batch} rows (not timed), then drained twice, with binary values (timed): one slot to {@code
 * /dev/null} by {@code pg_recvlogical --endpos}, which is the rate (what a streaming client gets
 * through the replication protocol), and a second slot of the same WAL by {@code
 * pg_logical_slot_get_binary_changes} counted in SQL, decoding inside the server with no client,
 * for context. Without {@code pg_recvlogical} the SQL drain is the rate; the notes say so.
 */
public final class WalDecode implements Child.Measure {

    private static final String SLOT = "bench_decode";
    private static final String SQL_SLOT = "bench_decode_sql";
    private static final String PUB = "bench_decode_pub";

    @Override
    public Params run(Params in) throws Exception {
        long rows = in.getLong("rows");
        long batch = in.getLong("batch");
        String recv = in.get("pg_recvlogical", "");
        String db = in.get("db");
        long start;
        long end;
        try (Connection c = Pg.connect(in, db);
                Statement s = c.createStatement()) {
            s.execute("CREATE PUBLICATION " + PUB + " FOR TABLE " + Pg.TABLE);
            // two slots of the same WAL: one drained by pg_recvlogical, one in SQL
            s.execute("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
            s.execute("SELECT pg_create_logical_replication_slot('" + SQL_SLOT + "', 'pgoutput')");
            // Insert positions, not write positions: the embedded server commits asynchronously
            // (synchronous_commit=off), so the written WAL can lag the last commit.
            start =
                    Pg.queryLong(
                            c,
                            "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint");
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            for (long first = 1; first <= rows; first += batch) {
                long last = Math.min(rows, first + batch - 1);
                s.execute(DemoCommand.sampleRows(today, 0, first, last, rows));
            }
            end =
                    Pg.queryLong(
                            c,
                            "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint");
        }
        String endLsn = String.format("%X/%X", end >>> 32, end & 0xffffffffL);
        Params recvResult = null;
        double recvSeconds = Double.NaN;
        if (!recv.isEmpty()) {
            Child.Cpu cpu = Child.Cpu.start(in);
            long t0 = System.nanoTime();
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    recv,
                                    "-d",
                                    "host=localhost port="
                                            + in.get("pg.port")
                                            + " user=postgres dbname="
                                            + db,
                                    "--slot",
                                    SLOT,
                                    "--start",
                                    "--endpos",
                                    endLsn,
                                    "--no-loop",
                                    "-o",
                                    "proto_version=1",
                                    "-o",
                                    "publication_names=" + PUB,
                                    // binary values (PostgreSQL 14+): the cheapest decoding the
                                    // server offers, and what Permafrost's pgoutput reader asks for
                                    "-o",
                                    "binary=true",
                                    "-f",
                                    "/dev/null")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("PGPASSWORD", "postgres");
            int rc = pb.start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException(recv + " exited with " + rc);
            }
            recvSeconds = (System.nanoTime() - t0) / 1e9;
            recvResult = cpu.stop(new Params());
        }
        Child.Cpu cpu = Child.Cpu.start(in);
        long t0 = System.nanoTime();
        try (Connection c = Pg.connect(in, db)) {
            Pg.queryLong(
                    c,
                    "SELECT count(*) FROM pg_logical_slot_get_binary_changes('"
                            + SQL_SLOT
                            + "', '"
                            + endLsn
                            + "', NULL, 'proto_version', '1', 'publication_names', '"
                            + PUB
                            + "', 'binary', 'true')");
        }
        double sqlSeconds = (System.nanoTime() - t0) / 1e9;
        Params sqlResult = cpu.stop(new Params());
        try (Connection c = Pg.connect(in, db);
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
            s.execute("SELECT pg_drop_replication_slot('" + SQL_SLOT + "')");
            s.execute("DROP PUBLICATION " + PUB);
        }
        // The rate is what a streaming client gets through the replication protocol
        // (pg_recvlogical); the SQL drain, decoding inside the server with no client, is context.
        boolean sql = recvResult == null;
        double seconds = sql ? sqlSeconds : recvSeconds;
        Params result = sql ? sqlResult : recvResult;
        String both =
                String.format(
                        "pg_recvlogical (pgoutput, binary values) -> /dev/null: %s;"
                                + " for context, the same WAL decoded inside the server with no"
                                + " client (pg_logical_slot_get_binary_changes counted in SQL):"
                                + " %,.0f rows/s",
                        recvResult == null
                                ? "not run (no pg_recvlogical; the rate is the SQL drain's)"
                                : String.format("%,.0f rows/s (the rate)", rows / recvSeconds),
                        rows / sqlSeconds);
        return result.set("rows", rows)
                .set("seconds", seconds)
                .set("wal_bytes", end - start)
                .set("method", sql ? "sql" : "pg_recvlogical")
                .set(
                        "notes",
                        String.format(
                                "%s; %,d rows inserted in transactions of %,d rows first; WAL %.1f MB, decoded at %.1f MB/s of WAL",
                                both,
                                rows,
                                batch,
                                (end - start) / 1e6,
                                (end - start) / 1e6 / seconds));
    }
}
