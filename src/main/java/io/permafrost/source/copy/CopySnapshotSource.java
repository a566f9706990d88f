package io.permafrost.source.copy;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.ArchivedWindows;
import io.permafrost.model.ChangeEvent;
import io.permafrost.model.TableId;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.source.SourceConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The backfill's snapshot reader: every archived table read once, in parallel block ranges, with
 * {@code COPY ... (FORMAT binary)} in one exported snapshot, decoded straight into archived rows.
 * It emits the same snapshot rows as Flink CDC's chunked reader ({@code _op = r}) at a fraction of
 * the cost, and needs no replication slot. Bounded: the backfill only.
 */
public final class CopySnapshotSource
        implements Source<ChangeEvent, CopySplit, CopyEnumeratorState>,
                ResultTypeQueryable<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    private final PermafrostConfig.Source source;
    private final List<ArchiveTable> tables;
    @Nullable private final String slot;
    private final List<ArchivedWindows> archived;

    /** The backfill's reader: its own exported snapshot, no slot. */
    public CopySnapshotSource(PermafrostConfig.Source source, List<ArchiveTable> tables) {
        this(source, tables, null, List.of());
    }

    /**
     * @param slot for a continuous run: the replication slot to create, whose exported snapshot is
     *     read (see {@link CopySnapshotEnumerator}); null for a backfill
     * @param archived for a run, per table, the windows already archived: rows of such a window
     *     that its recorded backfill snapshot does not see are read again, with the slot's
     *     consistent point as {@code _lsn} (see {@link CopySnapshotReader}); empty for a backfill
     */
    public CopySnapshotSource(
            PermafrostConfig.Source source,
            List<ArchiveTable> tables,
            @Nullable String slot,
            List<ArchivedWindows> archived) {
        this.source = source;
        this.tables = List.copyOf(tables);
        this.slot = slot;
        this.archived = List.copyOf(archived);
    }

    /**
     * Why this reader cannot read these tables, or null when it can: it needs PostgreSQL 14 (TID
     * range scans), tables without inheritance children, and types it decodes as the stream does.
     */
    public static String unsupportedReason(
            PermafrostConfig.Source source, List<ArchiveTable> tables) throws SQLException {
        Map<TableId, List<PgColumn>> columns = new LinkedHashMap<>();
        for (ArchiveTable t : tables) {
            columns.put(t.id(), t.columns().stream().map(ColumnMapping::column).toList());
        }
        try (Connection c = SourceConnections.open(source)) {
            return unsupportedReason(c, columns);
        }
    }

    /** {@link #unsupportedReason(PermafrostConfig.Source, List)} of tables not yet archived. */
    public static String unsupportedReason(Connection c, Map<TableId, List<PgColumn>> tables)
            throws SQLException {
        for (Map.Entry<TableId, List<PgColumn>> t : tables.entrySet()) {
            String reason = CopyQuery.unsupportedReason(t.getValue());
            if (reason != null) {
                return t.getKey() + ": " + reason;
            }
        }
        int version = c.getMetaData().getDatabaseMajorVersion();
        if (version < 14) {
            return "PostgreSQL "
                    + version
                    + " cannot scan block ranges (TID range scans came with 14)";
        }
        for (TableId t : tables.keySet()) {
            try (PreparedStatement st =
                    c.prepareStatement(
                            "SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent"
                                    + " WHERE i.inhparent = ?::regclass AND p.relkind = 'r')")) {
                st.setString(1, t.quoted());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return t + " has inheritance children";
                    }
                }
            }
        }
        return null;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<ChangeEvent, CopySplit> createReader(SourceReaderContext context) {
        return new CopySnapshotReader(context, source, tables, archived);
    }

    /** The enumerator type a continuous run's next source reads the consistent point from. */
    public static long consistentPoint(Object enumerator) {
        return ((CopySnapshotEnumerator) enumerator).consistentPoint();
    }

    @Override
    public SplitEnumerator<CopySplit, CopyEnumeratorState> createEnumerator(
            SplitEnumeratorContext<CopySplit> context) {
        return new CopySnapshotEnumerator(
                context, source, tables, CopyEnumeratorState.INITIAL, slot);
    }

    @Override
    public SplitEnumerator<CopySplit, CopyEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<CopySplit> context, CopyEnumeratorState state) {
        return new CopySnapshotEnumerator(context, source, tables, state, slot);
    }

    @Override
    public SimpleVersionedSerializer<CopySplit> getSplitSerializer() {
        return CopySplit.Serializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<CopyEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new CopyEnumeratorState.Serializer();
    }

    @Override
    public TypeInformation<ChangeEvent> getProducedType() {
        return TypeInformation.of(ChangeEvent.class);
    }
}
