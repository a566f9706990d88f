package io.permafrost.source;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.ValueKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;

/**
 * Builds the Flink CDC PostgreSQL source of one group of tables: a lock-free chunked snapshot, then
 * the WAL through the group's slot with {@code pgoutput}. Bounded (snapshot only) for backfills.
 */
public final class ArchiveSourceFactory {

    private ArchiveSourceFactory() {}

    public static PostgresIncrementalSource<ChangeEvent> create(
            PermafrostConfig.Source s,
            String slot,
            String chunkKey,
            List<ArchiveTable> tables,
            boolean partitioned,
            boolean bounded) {
        Set<String> schemas = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        for (ArchiveTable t : tables) {
            checkReadable(t.id(), t.columns(), "the job reads this table with Flink CDC");
            schemas.add(t.id().schema());
            names.add(t.id().toString());
        }
        TableId hb = HeartbeatTable.forSlot(slot, chunkKey).id();
        schemas.add(hb.schema());
        names.add(hb.toString());

        PostgresSourceBuilder<ChangeEvent> b =
                PostgresIncrementalSource.<ChangeEvent>builder()
                        .hostname(s.host())
                        .port(s.port())
                        .database(s.database())
                        .username(s.user())
                        .password(s.password())
                        .schemaList(schemas.toArray(String[]::new))
                        .tableList(names.toArray(String[]::new))
                        .slotName(slot)
                        .decodingPluginName("pgoutput")
                        .startupOptions(
                                bounded ? StartupOptions.snapshot() : StartupOptions.initial())
                        .splitSize(s.chunkSize())
                        .heartbeatInterval(s.heartbeatInterval())
                        .includePartitionedTables(partitioned)
                        .closeIdleReaders(false)
                        // A snapshot-only read never reads the WAL, so the per-chunk WAL
                        // backfill (one replication stream per chunk) would buy nothing.
                        .skipSnapshotBackfill(bounded)
                        .debeziumProperties(debeziumProperties(s, slot, tables))
                        .deserializer(new ChangeEventDeserializer(tables, hb));
        if (chunkKey != null) {
            b.chunkKeyColumn(chunkKey);
        }
        return b.build();
    }

    /**
     * Refuses a table with a time column of microseconds ({@code time}, {@code time(4)} to {@code
     * time(6)}): Flink CDC reads the snapshot's time values through JDBC {@code getObject}, with
     * millisecond precision, so their microseconds would be lost. Permafrost's own readers (binary
     * COPY, pgoutput) keep them.
     *
     * @param why why Flink CDC would read the table, for the message
     */
    public static void checkReadable(TableId table, List<ColumnMapping> columns, String why) {
        for (ColumnMapping m : columns) {
            if (m.kind() == ValueKind.TIME_MICROS && !m.retired()) {
                int p = m.column().typmod() < 0 ? 6 : m.column().typmod();
                throw new PreflightException(
                        2,
                        "column "
                                + table
                                + "."
                                + m.column().name()
                                + " has type time("
                                + p
                                + ") and "
                                + why
                                + ", which reads snapshot rows of time columns with millisecond"
                                + " precision: its microseconds would be lost. Fix: let"
                                + " Permafrost's readers read it (source.snapshot_reader: copy and"
                                + " source.stream_reader: pgoutput or auto, on PostgreSQL 14 or"
                                + " later), or ALTER TABLE ... ALTER COLUMN \""
                                + m.column().name()
                                + "\" TYPE time(3) if milliseconds suffice, or leave the column"
                                + " out with the table's exclude_columns");
            }
        }
    }

    static Properties debeziumProperties(
            PermafrostConfig.Source s, String slot, List<ArchiveTable> tables) {
        Properties p = new Properties();
        p.setProperty("publication.name", s.publication());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("time.precision.mode", "adaptive");
        p.setProperty("converters", ByteaArrayConverter.NAME + "," + NumericConverter.NAME);
        p.setProperty(ByteaArrayConverter.NAME + ".type", ByteaArrayConverter.class.getName());
        p.setProperty(NumericConverter.NAME + ".type", NumericConverter.class.getName());
        List<String> keys = new ArrayList<>();
        for (ArchiveTable t : tables) {
            if (!t.config().keyColumns().isEmpty()) {
                keys.add(t.id() + ":" + String.join(",", t.config().keyColumns()));
            }
        }
        if (!keys.isEmpty()) {
            p.setProperty("message.key.columns", String.join(";", keys));
        }
        return p;
    }
}
