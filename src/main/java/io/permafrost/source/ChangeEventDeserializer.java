package io.permafrost.source;

import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium change records into {@link ChangeEvent}s: the row image after the change,
 * converted column by column, plus {@code _op}, {@code _lsn} and {@code _commit_ts}. Snapshot reads
 * ({@code op = r}) carry LSN 0 and no commit time; deletes are not archived. Changes of the slot's
 * heartbeat table become heartbeats.
 */
public final class ChangeEventDeserializer implements DebeziumDeserializationSchema<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private final List<ArchiveTable> tables;
    private final TableId heartbeatTable;
    private transient Map<String, Integer> index;
    private transient Set<Schema> checked;

    public ChangeEventDeserializer(List<ArchiveTable> tables, TableId heartbeatTable) {
        this.tables = List.copyOf(tables);
        this.heartbeatTable = heartbeatTable;
    }

    /**
     * Fails on a column the archive does not have and the config does not leave out: the table
     * gained it since the job was planned ({@link SchemaChange}). Checked once per row schema
     * (Debezium keeps one per table version).
     */
    private void checkColumns(ArchiveTable at, Schema schema, Long lsn) {
        if (checked == null) {
            checked = Collections.newSetFromMap(new IdentityHashMap<>());
        }
        if (checked.contains(schema)) {
            return;
        }
        Set<String> archived = new HashSet<>();
        for (ColumnMapping m : at.columns()) {
            // A retired column in the stream: from before it was dropped (a run resumed from an
            // older checkpoint; its value is not archived), or added again.
            if (!m.retired() || lsn == null || !at.retiredColumnAddedAgain(lsn)) {
                archived.add(m.column().name());
            }
        }
        for (Field f : schema.fields()) {
            if (!archived.contains(f.name()) && !at.config().excludeColumns().contains(f.name())) {
                throw SchemaChange.newColumn(at.id(), f.name());
            }
        }
        checked.add(schema);
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeEvent> out) {
        if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
            return; // heartbeat, schema or transaction messages carry no row
        }
        String op = value.getString("op");
        Struct source = value.getStruct("source");
        String table = source.getString("schema") + "." + source.getString("table");
        if (heartbeatTable.toString().equals(table)) {
            if (!"r".equals(op) && !"d".equals(op)) {
                out.collect(ChangeEvent.heartbeat(commitMicros(record, source)));
            }
            return;
        }
        if ("d".equals(op)) {
            return; // source deletes are not archived; the archive outlives the database
        }
        Integer t = index().get(table);
        if (t == null) {
            return;
        }
        ArchiveTable at = tables.get(t);
        Struct after = value.getStruct("after");
        checkColumns(at, after.schema(), source.getInt64("lsn"));
        GenericRowData row = new GenericRowData(at.arity());
        List<ColumnMapping> columns = at.columns();
        for (int i = 0; i < columns.size(); i++) {
            ColumnMapping m = columns.get(i);
            Field f = m.retired() ? null : after.schema().field(m.column().name());
            if (f == null) {
                // A change written before the column was added (a run resumed from a checkpoint
                // older than its ALTER TABLE), or a column the table no longer has: the row has
                // no such value.
                continue;
            }
            try {
                row.setField(i, ValueConverter.convert(m, after.get(f), f.schema()));
            } catch (RuntimeException e) {
                throw PermanentError.of(
                        "cannot archive " + table + "." + m.column().name() + ": " + e.getMessage(),
                        e);
            }
        }
        boolean snapshot = "r".equals(op);
        row.setField(at.opIndex(), StringData.fromString(op));
        Long lsn = snapshot ? null : source.getInt64("lsn");
        row.setField(at.lsnIndex(), lsn == null ? 0L : lsn);
        long commit = snapshot ? Long.MIN_VALUE : commitMicros(record, source);
        row.setField(
                at.commitTsIndex(),
                snapshot
                        ? null
                        : TimestampData.fromEpochMillis(
                                Math.floorDiv(commit, 1000L),
                                (int) Math.floorMod(commit, 1000L) * 1000));
        out.collect(new ChangeEvent(t, row, commit));
    }

    /**
     * The commit time in microseconds: {@code ts_usec} of the offset, else {@code source.ts_ms}.
     */
    private static long commitMicros(SourceRecord record, Struct source) {
        Map<String, ?> offset = record.sourceOffset();
        if (offset != null && offset.get("ts_usec") instanceof Number n) {
            return n.longValue();
        }
        return source.getInt64("ts_ms") * 1000;
    }

    private Map<String, Integer> index() {
        if (index == null) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i < tables.size(); i++) {
                m.put(tables.get(i).id().toString(), i);
            }
            index = m;
        }
        return index;
    }

    @Override
    public TypeInformation<ChangeEvent> getProducedType() {
        return TypeInformation.of(ChangeEvent.class);
    }
}
