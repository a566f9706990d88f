package io.permafrost.source.copy;

import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Sent by the enumerator to each reader when it registers: the exported snapshot every split is
 * read in, so that all splits see the table as of one moment, and for a run the slot's consistent
 * point (0 for a backfill), the {@code _lsn} of rows read again ({@link CopySnapshotReader}).
 */
public record SnapshotEvent(String snapshot, long consistentPoint) implements SourceEvent {}
