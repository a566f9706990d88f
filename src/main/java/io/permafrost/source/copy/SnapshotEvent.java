package io.permafrost.source.copy;

import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Sent by the enumerator to each reader when it registers: the exported snapshot every split is
 * read in, so that all splits see the table as of one moment.
 */
public record SnapshotEvent(String snapshot) implements SourceEvent {}
