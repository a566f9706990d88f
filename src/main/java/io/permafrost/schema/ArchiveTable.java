package io.permafrost.schema;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;

/**
 * Everything the job needs to archive one table, resolved at start: the source columns and how they
 * convert, the Iceberg schema (with the catalog's field ids), where the files go, and the window.
 * Archived rows are the source columns in order, then {@link #OP}, {@link #LSN} and {@link
 * #COMMIT_TS}.
 */
public record ArchiveTable(
        PermafrostConfig.Table config,
        List<ColumnMapping> columns,
        Schema schema,
        String dataLocation,
        int windowColumn,
        WindowColumnKind windowKind,
        List<String> keyColumns,
        long describedAtLsn)
        implements Serializable {

    /** A table as a command that does not stream sees it ({@link #describedAtLsn} 0). */
    public ArchiveTable(
            PermafrostConfig.Table config,
            List<ColumnMapping> columns,
            Schema schema,
            String dataLocation,
            int windowColumn,
            WindowColumnKind windowKind,
            List<String> keyColumns) {
        this(config, columns, schema, dataLocation, windowColumn, windowKind, keyColumns, 0L);
    }

    /**
     * This table with the WAL position read before the source was described: a change written
     * before it that still carries a {@link ColumnMapping#retired} column was written before the
     * column was dropped, one written after it carries the column added again.
     */
    public ArchiveTable describedAt(long lsn) {
        return new ArchiveTable(
                config, columns, schema, dataLocation, windowColumn, windowKind, keyColumns, lsn);
    }

    /**
     * Whether a change at {@code lsn} that carries a retired column carries it added again, rather
     * than from before the column was dropped (a run resumed from a checkpoint older than the
     * drop).
     */
    public boolean retiredColumnAddedAgain(long lsn) {
        return lsn >= describedAtLsn;
    }

    public static final String OP = "_op";
    public static final String LSN = "_lsn";
    public static final String COMMIT_TS = "_commit_ts";

    /** {@code _op} of a heartbeat marker row: never written, it only moves the watermark. */
    public static final String HEARTBEAT_OP = "h";

    /** Whether {@code name} is one of the columns Permafrost adds to every archived row. */
    public static boolean isMetadataColumn(String name) {
        return name.equals(OP) || name.equals(LSN) || name.equals(COMMIT_TS);
    }

    /**
     * Whether an archived row version may replace an older version of its key: an update, or a
     * snapshot row that a run read again because it was written or updated after its window's
     * backfill ({@code _op = r}, {@code _lsn > 0}). Per key the version with the highest {@code
     * _lsn} is the row; the other snapshot and insert rows are each the only version of their key.
     */
    public static boolean mayReplace(Object op, Object lsn) {
        return "u".equals(op) || ("r".equals(op) && lsn instanceof Long l && l != 0);
    }

    public TableId id() {
        return config.id();
    }

    public WindowSpec window() {
        return config.window();
    }

    /**
     * The Flink type of archived rows: Iceberg's, except that a time column of microseconds ({@link
     * ValueKind#TIME_MICROS}) is a BIGINT of microseconds of the day, as Flink's TIME holds
     * milliseconds only (the Parquet files keep Iceberg's time; see {@code MicrosTimeColumns}).
     */
    /**
     * Names of the archived columns the source table no longer has ({@link ColumnMapping#retired}).
     */
    public List<String> retiredColumns() {
        return columns.stream().filter(ColumnMapping::retired).map(m -> m.column().name()).toList();
    }

    public RowType rowType() {
        RowType iceberg = FlinkSchemaUtil.convert(schema);
        List<RowType.RowField> fields = new ArrayList<>(iceberg.getFields());
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).kind() == ValueKind.TIME_MICROS) {
                RowType.RowField f = fields.get(i);
                fields.set(
                        i,
                        new RowType.RowField(
                                f.getName(), new BigIntType(f.getType().isNullable())));
            }
        }
        return new RowType(iceberg.isNullable(), fields);
    }

    public int opIndex() {
        return columns.size();
    }

    public int lsnIndex() {
        return columns.size() + 1;
    }

    public int commitTsIndex() {
        return columns.size() + 2;
    }

    public int arity() {
        return columns.size() + 3;
    }
}
