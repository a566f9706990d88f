package io.permafrost.source.wal;

import io.permafrost.source.Lsn;

/**
 * After a restore, drops the events of the partly emitted transaction that went out before the
 * checkpoint: the slot resumes at that transaction's start, so its first {@code emitted} events
 * arrive again (see {@link WalSplit}).
 */
final class ReplayFilter {

    private final long txnLsn;
    private int left;

    ReplayFilter(WalSplit split) {
        this.txnLsn = split.txnLsn();
        this.left = split.txnLsn() == 0 ? 0 : split.emitted();
    }

    /** Whether this event went out before the restore. */
    boolean drop(PgOutputDecoder.Decoded d) {
        if (left == 0) {
            return false;
        }
        if (d instanceof PgOutputDecoder.Row row && row.txnLsn() == txnLsn) {
            left--;
            return true;
        }
        throw new IllegalStateException(
                "the slot resumed without the "
                        + left
                        + " events of the transaction at "
                        + Lsn.format(txnLsn)
                        + " the checkpoint had emitted; was the slot read by another job?");
    }
}
