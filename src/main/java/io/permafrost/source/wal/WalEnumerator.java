package io.permafrost.source.wal;

import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Hands the slot's one split to the first reader: a slot streams to one connection at a time. Holds
 * the split until then, or when its reader failed and gave it back.
 */
final class WalEnumerator implements SplitEnumerator<WalSplit, WalSource.EnumeratorState> {

    private final SplitEnumeratorContext<WalSplit> context;
    @Nullable private WalSplit unassigned;

    /**
     * @param unassigned the split no reader holds yet, or null once one does
     */
    WalEnumerator(SplitEnumeratorContext<WalSplit> context, @Nullable WalSplit unassigned) {
        this.context = context;
        this.unassigned = unassigned;
    }

    /** Ends the backlog the snapshot reported: checkpoints are taken from now on. */
    @Override
    public void start() {
        context.setIsProcessingBacklog(false);
    }

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {}

    @Override
    public void addSplitsBack(List<WalSplit> splits, int subtaskId) {
        for (WalSplit s : splits) {
            unassigned = s;
        }
        assign();
    }

    @Override
    public void addReader(int subtaskId) {
        assign();
    }

    private void assign() {
        if (unassigned == null) {
            return;
        }
        for (int reader : context.registeredReaders().keySet()) {
            context.assignSplit(unassigned, reader);
            unassigned = null;
            return;
        }
    }

    /** The split, while no reader holds it; null (no split to restore) once one does. */
    @Override
    public WalSource.EnumeratorState snapshotState(long checkpointId) {
        return new WalSource.EnumeratorState(unassigned);
    }

    @Override
    public void close() {}
}
