package io.permafrost.source.wal;

import io.permafrost.model.ChangeEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/** Emits the stream's rows and keeps the split's position: see {@link WalSplit}. */
final class WalRecordEmitter
        implements RecordEmitter<PgOutputDecoder.Decoded, ChangeEvent, WalRecordEmitter.Position> {

    /** The mutable position of the split being read. */
    static final class Position {
        long resumeLsn;
        long txnLsn;
        int emitted;

        Position(WalSplit split) {
            resumeLsn = split.resumeLsn();
            txnLsn = split.txnLsn();
            emitted = split.emitted();
        }

        WalSplit toSplit() {
            return new WalSplit(resumeLsn, txnLsn, emitted);
        }
    }

    @Override
    public void emitRecord(
            PgOutputDecoder.Decoded element, SourceOutput<ChangeEvent> output, Position position) {
        if (element instanceof PgOutputDecoder.Row row) {
            if (row.txnLsn() != position.txnLsn) {
                position.txnLsn = row.txnLsn();
                position.emitted = 0;
            }
            position.emitted++;
            output.collect(row.event());
        } else if (element instanceof PgOutputDecoder.Commit commit) {
            position.resumeLsn = commit.endLsn();
            position.txnLsn = 0;
            position.emitted = 0;
        }
    }
}
