package io.permafrost.source.wal;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.PgTypes;
import io.permafrost.source.Lsn;
import io.permafrost.source.PermanentError;
import io.permafrost.source.ReplicationSlots;
import io.permafrost.source.SourceConnections;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the slot with {@code pgoutput} (protocol 1, binary values) on the fetcher thread and
 * decodes each message there, so that decoding and writing run on two threads. It tells PostgreSQL
 * it may recycle WAL only up to the position of the last completed checkpoint ({@link #ack}), so a
 * restore from that checkpoint finds every transaction it needs still in the slot.
 *
 * <p>While Flink back-pressures the source, the fetcher thread waits to hand over its last batch
 * and does not read the stream; PostgreSQL would end the connection after {@code
 * wal_sender_timeout} (60 s) without a status message. A keep-alive thread sends one whenever the
 * fetcher has not touched the stream for {@link #KEEP_ALIVE_MILLIS}; it reports the same confirmed
 * position, so it never confirms more than a completed checkpoint holds.
 */
final class WalSplitReader implements SplitReader<PgOutputDecoder.Decoded, WalSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(WalSplitReader.class);

    /** Decoded messages handed over per fetch at most. */
    private static final int BATCH = 4_096;

    /** How long the stream may go untouched before the keep-alive thread sends a status. */
    static final long KEEP_ALIVE_MILLIS = 500;

    private final PermafrostConfig.Source source;
    private final String slot;
    private final List<ArchiveTable> tables;
    private final TableId heartbeatTable;
    private final AtomicLong ack;
    private WalSplit split;
    private Connection connection;
    private PGReplicationStream stream;
    private PgOutputDecoder decoder;
    private long acked;
    private ReplayFilter replay;
    private volatile boolean wakeUp;

    /** Guards {@link #stream} between the fetcher and the keep-alive thread. */
    private final Object streamLock = new Object();

    private volatile long lastTouchedNanos;
    private ScheduledExecutorService keepAlive;

    /**
     * @param ack the LSN up to which the slot may be confirmed, set when a checkpoint completes
     */
    WalSplitReader(
            PermafrostConfig.Source source,
            String slot,
            List<ArchiveTable> tables,
            TableId heartbeatTable,
            AtomicLong ack) {
        this.source = source;
        this.slot = slot;
        this.tables = tables;
        this.heartbeatTable = heartbeatTable;
        this.ack = ack;
    }

    @Override
    public RecordsWithSplitIds<PgOutputDecoder.Decoded> fetch() throws IOException {
        RecordsBySplits.Builder<PgOutputDecoder.Decoded> batch = new RecordsBySplits.Builder<>();
        if (split == null) {
            return batch.build();
        }
        synchronized (streamLock) {
            try {
                return fetchBatch(batch);
            } finally {
                lastTouchedNanos = System.nanoTime();
            }
        }
    }

    private RecordsWithSplitIds<PgOutputDecoder.Decoded> fetchBatch(
            RecordsBySplits.Builder<PgOutputDecoder.Decoded> batch) throws IOException {
        try {
            if (stream == null) {
                open();
                startKeepAlive();
            }
            confirm();
            int n = 0;
            long idleSince = 0;
            wakeUp = false;
            while (n < BATCH && !wakeUp) {
                ByteBuffer msg = stream.readPending();
                if (msg == null) {
                    if (n > 0) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (idleSince == 0) {
                        idleSince = now;
                    } else if (now - idleSince > TimeUnit.MILLISECONDS.toNanos(200)) {
                        break; // give the fetcher a chance to take new acks and wake-ups
                    }
                    Thread.sleep(5);
                    continue;
                }
                PgOutputDecoder.Decoded d = decode(msg);
                if (d == null || replay.drop(d)) {
                    continue;
                }
                batch.add(WalSplit.ID, d);
                n++;
            }
        } catch (SQLException e) {
            throw new IOException(
                    "reading replication slot " + slot + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the replication slot", e);
        }
        return batch.build();
    }

    private PgOutputDecoder.Decoded decode(ByteBuffer msg) {
        // pgjdbc hands over each CopyData message in an array of its own, so rows may keep it
        byte[] b;
        int off;
        if (msg.hasArray()) {
            b = msg.array();
            off = msg.arrayOffset() + msg.position();
        } else {
            b = new byte[msg.remaining()];
            msg.get(b);
            off = 0;
        }
        return decoder.decode(b, off, msg.remaining(), stream.getLastReceiveLSN().asLong());
    }

    private void open() throws SQLException {
        connection = SourceConnections.openReplication(source);
        ReplicationSlots.awaitInactive(connection, slot);
        Map<String, Integer> typeOids = typeOids(connection);
        long confirmed = confirmedFlush(connection);
        if (confirmed > split.resumeLsn()) {
            throw PermanentError.of(
                    "replication slot "
                            + slot
                            + " was confirmed up to "
                            + Lsn.format(confirmed)
                            + ", past this job's position "
                            + Lsn.format(split.resumeLsn())
                            + ": the changes between are gone from the slot. Resume from the newest"
                            + " checkpoint, or start afresh (permafrost run --fresh) to read a new"
                            + " snapshot");
        }
        decoder = new PgOutputDecoder(tables, heartbeatTable, typeOids);
        replay = new ReplayFilter(split);
        acked = split.resumeLsn();
        stream =
                connection
                        .unwrap(PGConnection.class)
                        .getReplicationAPI()
                        .replicationStream()
                        .logical()
                        .withSlotName(slot)
                        .withStartPosition(LogSequenceNumber.valueOf(split.resumeLsn()))
                        .withSlotOption("proto_version", 1)
                        .withSlotOption("publication_names", source.publication())
                        .withSlotOption("binary", true)
                        .withStatusInterval(10, TimeUnit.SECONDS)
                        .start();
        LOG.info(
                "Streaming replication slot {} from {} (the slot was confirmed up to {})",
                slot,
                split,
                Lsn.format(confirmed));
    }

    private void startKeepAlive() {
        lastTouchedNanos = System.nanoTime();
        keepAlive =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "permafrost-wal-keepalive-" + slot);
                            t.setDaemon(true);
                            return t;
                        });
        keepAlive.scheduleWithFixedDelay(
                this::keepAlive, KEEP_ALIVE_MILLIS, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Sends a status message if the fetcher has not touched the stream for a while. */
    private void keepAlive() {
        if (System.nanoTime() - lastTouchedNanos
                < TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MILLIS)) {
            return;
        }
        synchronized (streamLock) {
            try {
                if (stream != null && !stream.isClosed()) {
                    stream.forceUpdateStatus();
                    lastTouchedNanos = System.nanoTime();
                }
            } catch (SQLException e) {
                // the fetcher sees the broken connection at its next read, and fails there
                LOG.debug("Keep-alive of replication slot {} failed", slot, e);
            }
        }
    }

    /** Tells PostgreSQL the position of the newest completed checkpoint, once it moved. */
    private void confirm() throws SQLException {
        long lsn = ack.get();
        if (lsn > acked) {
            LogSequenceNumber l = LogSequenceNumber.valueOf(lsn);
            stream.setFlushedLSN(l);
            stream.setAppliedLSN(l);
            stream.forceUpdateStatus();
            acked = lsn;
        }
    }

    private long confirmedFlush(Connection c) throws SQLException {
        try (PreparedStatement st =
                c.prepareStatement(
                        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw PermanentError.of(
                            "replication slot "
                                    + slot
                                    + " is gone; its changes since the last checkpoint are lost"
                                    + " to this job. Start afresh (permafrost run --fresh)");
                }
                return Lsn.parse(rs.getString(1));
            }
        }
    }

    /**
     * The type oid of each archived column, after checking that the column still has the type the
     * job planned it with: the binary values are decoded as that type.
     */
    private Map<String, Integer> typeOids(Connection c) throws SQLException {
        Map<String, Integer> oids = new HashMap<>();
        for (ArchiveTable t : tables) {
            Map<String, PgColumn> planned = new HashMap<>();
            t.columns().stream()
                    .filter(m -> !m.retired())
                    .forEach(m -> planned.put(m.column().name(), m.column()));
            PgTypes types = new PgTypes(c);
            try (PreparedStatement st =
                    c.prepareStatement(
                            "SELECT a.attname, a.atttypid::int, a.atttypmod FROM pg_attribute a"
                                    + " WHERE a.attrelid = ?::regclass AND a.attnum > 0"
                                    + " AND NOT a.attisdropped")) {
                st.setString(1, t.id().quoted());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        PgColumn p = planned.get(rs.getString(1));
                        if (p == null) {
                            continue;
                        }
                        PgTypes.Resolved now = types.resolve(rs.getInt(2), rs.getInt(3));
                        boolean array = now.array();
                        String type = now.typeName();
                        if (p.array() != array || !p.typeName().equals(type)) {
                            throw PermanentError.of(
                                    "column "
                                            + p.name()
                                            + " of "
                                            + t.id()
                                            + " is now "
                                            + type
                                            + (array ? "[]" : "")
                                            + ", not "
                                            + p.displayType()
                                            + " as when the job was planned; restart Permafrost to"
                                            + " re-read the table definition");
                        }
                        oids.put(t.id() + "." + p.name(), rs.getInt(2));
                    }
                }
            }
        }
        return oids;
    }

    @Override
    public void handleSplitsChanges(SplitsChange<WalSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("unsupported split change " + change);
        }
        for (WalSplit s : change.splits()) {
            if (split != null) {
                throw new IllegalStateException("a second WAL split " + s + " for " + split);
            }
            split = s;
        }
    }

    @Override
    public void wakeUp() {
        wakeUp = true;
    }

    /**
     * Ends the stream and the connection. A connection the server has already closed (it may end a
     * replication connection that sent no status for {@code wal_sender_timeout} while the stream
     * was being ended) is no error: there is nothing left to hand over.
     */
    @Override
    public void close() {
        if (keepAlive != null) {
            keepAlive.shutdownNow();
        }
        try {
            if (stream != null) {
                stream.close();
            }
        } catch (SQLException e) {
            LOG.info("Replication stream of slot {} ended uncleanly: {}", slot, e.getMessage());
        } finally {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    LOG.info(
                            "Replication connection of slot {} was already gone: {}",
                            slot,
                            e.getMessage());
                }
            }
        }
    }
}
