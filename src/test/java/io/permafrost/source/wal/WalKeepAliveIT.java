package io.permafrost.source.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.ArchivePlan;
import io.permafrost.source.Lsn;
import io.permafrost.testing.Blocks;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While Flink back-pressures the source, the fetcher thread does not read the stream; PostgreSQL
 * ends a replication connection that sends no status for {@code wal_sender_timeout}. The reader
 * keeps the connection alive meanwhile, so a pause longer than the timeout does not fail the job.
 */
class WalKeepAliveIT {

    @TempDir Path dir;

    @Test
    void aPauseLongerThanWalSenderTimeoutKeepsTheStream() throws Exception {
        String db = EmbeddedPostgres.newDatabase("keepalive");
        Blocks.create(db, 0);
        // applies to the WAL sender of every new replication connection to this database
        EmbeddedPostgres.execute(db, "ALTER DATABASE " + db + " SET wal_sender_timeout = '1s'");
        Path config =
                TestConfig.write(dir, db, Blocks.TABLE_YAML, "", "  stream_reader: pgoutput\n");
        PermafrostConfig cfg = ConfigLoader.load(config);
        ArchivePlan plan = ArchivePlan.prepare(cfg, true); // the publication and heartbeat table
        ArchivePlan.SourceGroup group = plan.groups().get(0);
        long start;
        try (var c = EmbeddedPostgres.connect(db);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT lsn FROM pg_create_logical_replication_slot('"
                                        + group.slot()
                                        + "', 'pgoutput')")) {
            rs.next();
            start = Lsn.parse(rs.getString(1));
        }

        WalSplitReader reader =
                new WalSplitReader(
                        cfg.source(),
                        group.slot(),
                        group.tables(),
                        group.heartbeat().id(),
                        new AtomicLong(start));
        try {
            reader.handleSplitsChanges(new SplitsAddition<>(List.of(new WalSplit(start, 0, 0))));
            Blocks.insert(db, 0, 9);
            assertThat(readRows(reader, 10)).isEqualTo(10);

            Thread.sleep(4_000); // back-pressure: no fetch for 4 x wal_sender_timeout

            Blocks.insert(db, 10, 19);
            assertThat(readRows(reader, 10)).isEqualTo(10);
        } finally {
            reader.close();
            EmbeddedPostgres.execute(db, "SELECT pg_drop_replication_slot('" + group.slot() + "')");
        }
    }

    /** Fetches until {@code expected} rows (not transaction markers) arrived, for at most 30 s. */
    private static int readRows(WalSplitReader reader, int expected) throws Exception {
        int rows = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (rows < expected && System.nanoTime() < deadline) {
            RecordsWithSplitIds<PgOutputDecoder.Decoded> batch = reader.fetch();
            while (batch.nextSplit() != null) {
                PgOutputDecoder.Decoded d;
                while ((d = batch.nextRecordFromSplit()) != null) {
                    if (d instanceof PgOutputDecoder.Row) {
                        rows++;
                    }
                }
            }
            batch.recycle();
        }
        return rows;
    }
}
