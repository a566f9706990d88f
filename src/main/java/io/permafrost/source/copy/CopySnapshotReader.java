package io.permafrost.source.copy;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ArchivedWindows;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.PgSnapshot;
import io.permafrost.source.SourceConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads splits with binary COPY in the enumerator's exported snapshot. A fetch thread copies the
 * next split's bytes while the task thread decodes and emits the previous one; each split is
 * emitted whole within one {@link #pollNext} call, so a checkpoint always falls between splits and
 * the reader's state is simply the splits it has not emitted yet.
 *
 * <p>For a run it also reads each tuple's {@code xmin} in tables with windows a backfill archived
 * ({@link ArchivedWindows#recorded}): a row of such a window that the backfill's snapshot does not
 * see (written or updated since) is emitted with the slot's consistent point as {@code _lsn}, so
 * that it is archived again and, per key, wins over the backfill's version; the other rows of
 * archived windows keep {@code _lsn = 0} and are dropped downstream ({@code TableRouter}).
 */
final class CopySnapshotReader implements SourceReader<ChangeEvent, CopySplit> {

    private static final Logger LOG = LoggerFactory.getLogger(CopySnapshotReader.class);

    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-Fa-f-]+");

    /**
     * A split read completely, as the CopyData messages PostgreSQL sent.
     *
     * @param readerXmax the {@code xmax} of the snapshot it was read in when the COPY has {@code
     *     xmin}, else -1
     */
    private record Fetched(CopySplit split, List<byte[]> messages, long readerXmax) {}

    private final SourceReaderContext context;
    private final PermafrostConfig.Source source;
    private final List<ArchiveTable> tables;
    private final List<ArchivedWindows> archived;
    private final ExecutorService fetchThread;

    // guarded by this
    private final Deque<CopySplit> pending = new ArrayDeque<>();
    private CopySplit fetching;
    private Fetched ready;
    private String snapshot;
    private long consistentPoint;
    private boolean noMoreSplits;
    private boolean requested;
    private Throwable failure;
    private CompletableFuture<Void> available = new CompletableFuture<>();

    // used by the fetch thread only
    private Connection connection;
    private String xmaxOf;
    private long xmax;

    // used by the task thread only
    private long rowsRead;
    private long rowsReadAgain;
    private boolean endLogged;

    CopySnapshotReader(
            SourceReaderContext context,
            PermafrostConfig.Source source,
            List<ArchiveTable> tables,
            List<ArchivedWindows> archived) {
        this.context = context;
        this.source = source;
        this.tables = tables;
        this.archived = archived;
        this.fetchThread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t =
                                    new Thread(
                                            r,
                                            "permafrost-copy-reader-"
                                                    + context.getIndexOfSubtask());
                            t.setDaemon(true);
                            return t;
                        });
    }

    @Override
    public synchronized void start() {
        requestIfIdle();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<ChangeEvent> output) {
        Fetched f;
        synchronized (this) {
            if (failure != null) {
                throw new IllegalStateException(
                        "snapshot read of " + source + " failed: " + failure.getMessage(), failure);
            }
            f = ready;
            if (f == null) {
                if (noMoreSplits && pending.isEmpty() && fetching == null) {
                    // Never available again: a HybridSource polls a finished reader while its
                    // future is done, and each poll would signal the end once more.
                    if (available.isDone()) {
                        available = new CompletableFuture<>();
                    }
                    logEnd();
                    return InputStatus.END_OF_INPUT;
                }
                if (available.isDone()) {
                    available = new CompletableFuture<>();
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            ready = null;
            fetchNext();
            requestIfIdle();
        }
        int table = f.split().table();
        CopyRowDecoder decoder = new CopyRowDecoder(tables.get(table), f.readerXmax() >= 0);
        CopyRowDecoder.Sink emit;
        if (f.readerXmax() < 0) {
            emit =
                    (row, xmin) -> {
                        rowsRead++;
                        output.collect(new ChangeEvent(table, row, Long.MIN_VALUE));
                    };
        } else {
            ReReads reReads = new ReReads(tables.get(table), archived.get(table), f.readerXmax());
            long lsn = consistentPoint;
            emit =
                    (row, xmin) -> {
                        rowsRead++;
                        CopyRow r = row;
                        if (reReads.unseen(row, xmin)) {
                            rowsReadAgain++;
                            r = row.withLsn(lsn);
                        }
                        output.collect(new ChangeEvent(table, r, Long.MIN_VALUE));
                    };
        }
        for (byte[] message : f.messages()) {
            decoder.decode(message, emit);
        }
        return InputStatus.MORE_AVAILABLE;
    }

    @Override
    public synchronized CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public synchronized List<CopySplit> snapshotState(long checkpointId) {
        List<CopySplit> unread = new ArrayList<>();
        if (ready != null) {
            unread.add(ready.split());
        }
        if (fetching != null) {
            unread.add(fetching);
        }
        unread.addAll(pending);
        return unread;
    }

    @Override
    public synchronized void addSplits(List<CopySplit> splits) {
        pending.addAll(splits);
        requested = false;
        fetchNext();
        requestIfIdle();
    }

    @Override
    public synchronized void notifyNoMoreSplits() {
        noMoreSplits = true;
        requested = false;
        available.complete(null);
    }

    @Override
    public synchronized void handleSourceEvents(SourceEvent event) {
        if (event instanceof SnapshotEvent e) {
            if (!SNAPSHOT_NAME.matcher(e.snapshot()).matches()) {
                throw new IllegalArgumentException("unexpected snapshot name " + e.snapshot());
            }
            snapshot = e.snapshot();
            consistentPoint = e.consistentPoint();
            fetchNext();
        }
    }

    /** Says, once, what this reader's share of a run's snapshot held. */
    private void logEnd() {
        if (endLogged || consistentPoint == 0) {
            return;
        }
        endLogged = true;
        LOG.info(
                "Snapshot read by reader {}: {} rows{}",
                context.getIndexOfSubtask(),
                rowsRead,
                rowsReadAgain > 0
                        ? ", "
                                + rowsReadAgain
                                + " of them rows of archived windows written since their backfill"
                                + " (archived again)"
                        : "");
    }

    /** Keeps one split asked for while the fetch thread has nothing queued behind its work. */
    private void requestIfIdle() {
        if (!noMoreSplits && !requested && pending.isEmpty()) {
            requested = true;
            context.sendSplitRequest();
        }
    }

    /** Starts fetching the next pending split when the thread is free and one buffer is free. */
    private void fetchNext() {
        if (snapshot == null || fetching != null || ready != null || pending.isEmpty()) {
            return;
        }
        CopySplit split = pending.poll();
        fetching = split;
        String name = snapshot;
        fetchThread.execute(() -> fetch(split, name));
    }

    private void fetch(CopySplit split, String name) {
        try {
            Fetched fetched = copy(split, name);
            synchronized (this) {
                fetching = null;
                ready = fetched;
                available.complete(null);
            }
        } catch (Throwable t) {
            synchronized (this) {
                fetching = null;
                failure = t;
                available.complete(null);
            }
        }
    }

    /** Whether the split's table has windows whose rows are read again (runs only). */
    private boolean readsAgain(CopySplit split) {
        return consistentPoint > 0
                && split.table() < archived.size()
                && !archived.get(split.table()).recorded().isEmpty();
    }

    /** The {@code xmax} of the exported snapshot, asked once: every split is read in it. */
    private long xmax(String snapshotName) throws SQLException {
        if (!snapshotName.equals(xmaxOf)) {
            xmax = PgSnapshot.current(connection).xmax();
            xmaxOf = snapshotName;
        }
        return xmax;
    }

    private Fetched copy(CopySplit split, String name) throws SQLException {
        if (connection == null) {
            connection = SourceConnections.open(source);
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
        }
        try {
            try (Statement s = connection.createStatement()) {
                s.execute("SET TRANSACTION SNAPSHOT '" + name + "'");
            }
            boolean withXmin = readsAgain(split);
            long readerXmax = withXmin ? xmax(name) : -1;
            String sql =
                    CopyQuery.sql(
                            tables.get(split.table()),
                            split.relation(),
                            split.firstBlock(),
                            split.endBlock(),
                            withXmin);
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
            List<byte[]> messages = new ArrayList<>();
            long bytes = 0;
            byte[] m;
            while ((m = copy.readFromCopy()) != null) {
                messages.add(m);
                bytes += m.length;
                if (bytes > 4 * SplitPlanner.MAX_SPLIT_BYTES) {
                    copy.cancelCopy();
                    throw new IllegalStateException(
                            "split "
                                    + split.id()
                                    + " holds more than "
                                    + (4 * SplitPlanner.MAX_SPLIT_BYTES >> 20)
                                    + " MiB of rows (very wide rows in few blocks); set"
                                    + " source.snapshot_reader: cdc to read this table row by row");
                }
            }
            connection.commit();
            return new Fetched(split, messages, readerXmax);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback); // the connection is gone; the first error says why
            }
            throw e;
        }
    }

    /** Tells the rows of archived windows that the window's recorded snapshot does not see. */
    private static final class ReReads {
        private final ArchiveTable table;
        private final ArchivedWindows archived;
        private final long readerXmax;
        private Window last;
        private PgSnapshot lastRecorded;

        ReReads(ArchiveTable table, ArchivedWindows archived, long readerXmax) {
            this.table = table;
            this.archived = archived;
            this.readerXmax = readerXmax;
        }

        boolean unseen(CopyRow row, long xmin) {
            long v = table.windowKind().read(row, table.windowColumn());
            if (last == null || v < last.start() || v >= last.end()) {
                // rows come in block order, mostly of one window after another
                last = table.window().windowOf(v);
                lastRecorded =
                        archived.contains(last.path()) ? archived.recorded(last.path()) : null;
            }
            return lastRecorded != null && !lastRecorded.sees(PgSnapshot.widen(xmin, readerXmax));
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void close() throws Exception {
        fetchThread.shutdownNow();
        fetchThread.awaitTermination(10, TimeUnit.SECONDS);
        if (connection != null) {
            connection.close();
        }
    }
}
