package io.permafrost.source.wal;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.Lsn;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the slot's one split on a fetcher thread ({@link WalSplitReader}) and emits its rows. When
 * a checkpoint completes, the position it holds becomes the slot's confirmed position: PostgreSQL
 * keeps everything after it, so a restore from that checkpoint or a later one loses nothing.
 */
final class WalSourceReader
        extends SingleThreadMultiplexSourceReaderBase<
                PgOutputDecoder.Decoded, ChangeEvent, WalSplit, WalRecordEmitter.Position> {

    private static final Logger LOG = LoggerFactory.getLogger(WalSourceReader.class);

    private final AtomicLong ack;

    /** The resume position each pending checkpoint holds. */
    private final TreeMap<Long, Long> positions = new TreeMap<>();

    private WalSourceReader(
            PermafrostConfig.Source source,
            String slot,
            List<ArchiveTable> tables,
            TableId heartbeatTable,
            SourceReaderContext context,
            AtomicLong ack) {
        super(
                () -> new WalSplitReader(source, slot, tables, heartbeatTable, ack),
                new WalRecordEmitter(),
                new Configuration(),
                context);
        this.ack = ack;
    }

    static WalSourceReader create(
            PermafrostConfig.Source source,
            String slot,
            List<ArchiveTable> tables,
            TableId heartbeatTable,
            SourceReaderContext context) {
        return new WalSourceReader(source, slot, tables, heartbeatTable, context, new AtomicLong());
    }

    @Override
    public void start() {
        // The enumerator assigns the one split; nothing to request.
    }

    @Override
    protected void onSplitFinished(Map<String, WalRecordEmitter.Position> finished) {
        throw new IllegalStateException("the change stream of a slot never ends");
    }

    @Override
    protected WalRecordEmitter.Position initializedState(WalSplit split) {
        return new WalRecordEmitter.Position(split);
    }

    @Override
    protected WalSplit toSplitType(String splitId, WalRecordEmitter.Position position) {
        return position.toSplit();
    }

    @Override
    public List<WalSplit> snapshotState(long checkpointId) {
        List<WalSplit> splits = super.snapshotState(checkpointId);
        for (WalSplit s : splits) {
            positions.put(checkpointId, s.resumeLsn());
            LOG.debug("Checkpoint {} holds {}", checkpointId, s);
        }
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Long lsn = positions.get(checkpointId);
        positions.headMap(checkpointId, true).clear();
        if (lsn != null) {
            LOG.debug(
                    "Checkpoint {} completed: the slot may be confirmed up to {}",
                    checkpointId,
                    Lsn.format(lsn));
            ack.accumulateAndGet(lsn, Math::max);
        }
    }
}
