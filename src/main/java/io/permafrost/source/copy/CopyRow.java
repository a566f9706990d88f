package io.permafrost.source.copy;

import io.permafrost.schema.ArchiveTable;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.ValueKind;
import java.util.List;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RawValueData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.types.RowKind;

/**
 * A row as PostgreSQL sent it in binary: the bytes of one binary COPY tuple or one pgoutput
 * message, the offset of each value (each preceded by its 4-byte length, in both formats), then
 * {@code _op}, {@code _lsn} and {@code _commit_ts}: {@code r}, 0 and none for a snapshot row. The
 * values were checked when the row was read ({@link BinaryValues#check}); a getter decodes its
 * value on demand into the same Flink value {@link BinaryValues#decode} gives, so any consumer
 * reads it as any other row.
 *
 * <p>It exists for the Parquet writer: {@code CopyRowWriter} writes the values straight from the
 * tuple's bytes, with no object per value, which a profile of the backfill showed to be ~40 % of
 * everything it allocated (boxed numbers, timestamps, decimals, string wrappers, byte copies).
 */
public final class CopyRow implements RowData {

    private static final StringData SNAPSHOT_OP = StringData.fromString("r");
    private static final StringData INSERT_OP = StringData.fromString("c");
    private static final StringData UPDATE_OP = StringData.fromString("u");

    /** The commit time of a snapshot row, which has none. */
    public static final long NO_COMMIT = Long.MIN_VALUE;

    private final ColumnMapping[] columns;
    private final byte[] tuple;

    /** Per source column: where its value starts in {@link #tuple}, or -1 for NULL. */
    private final int[] offsets;

    /** {@code _op}: 'r' (snapshot read), 'c' (insert) or 'u' (update). */
    private final char op;

    private final long lsn;
    private final long commitMicros;
    private RowKind kind = RowKind.INSERT;

    /** A snapshot row. */
    CopyRow(ColumnMapping[] columns, byte[] tuple, int[] offsets) {
        this(columns, tuple, offsets, 'r', 0L, NO_COMMIT);
    }

    /**
     * @param op 'r', 'c' or 'u'
     * @param lsn the LSN of the change, 0 for a snapshot row
     * @param commitMicros the commit time in microseconds since 1970, or {@link #NO_COMMIT}
     */
    public CopyRow(
            ColumnMapping[] columns,
            byte[] tuple,
            int[] offsets,
            char op,
            long lsn,
            long commitMicros) {
        if (op != 'r' && op != 'c' && op != 'u') {
            throw new IllegalArgumentException("no archived operation '" + op + "'");
        }
        this.columns = columns;
        this.tuple = tuple;
        this.offsets = offsets;
        this.op = op;
        this.lsn = lsn;
        this.commitMicros = commitMicros;
    }

    /** The same row with another {@code _lsn}. */
    public CopyRow withLsn(long lsn) {
        return new CopyRow(columns, tuple, offsets, op, lsn, commitMicros);
    }

    /** {@code _op}: 'r' (snapshot read), 'c' (insert) or 'u' (update). */
    public char op() {
        return op;
    }

    /** {@code _lsn}: the change's LSN, 0 for a snapshot row. */
    public long lsn() {
        return lsn;
    }

    /** {@code _commit_ts} in microseconds since 1970, or {@link #NO_COMMIT}. */
    public long commitMicros() {
        return commitMicros;
    }

    /** The columns of a table, as {@link CopyRow} wants them. */
    public static ColumnMapping[] columnsOf(ArchiveTable table) {
        List<ColumnMapping> c = table.columns();
        return c.toArray(ColumnMapping[]::new);
    }

    /** The tuple's bytes; never changed, shared by every value of the row. */
    public byte[] tuple() {
        return tuple;
    }

    /**
     * Where source column {@code pos}'s value starts in {@link #tuple()}, or -1 when it is NULL.
     */
    public int offset(int pos) {
        return offsets[pos];
    }

    /** The length in bytes of source column {@code pos}'s value (not NULL). */
    public int length(int pos) {
        return BinaryValues.int32(tuple, offsets[pos] - 4);
    }

    /** The number of source columns; {@code _op}, {@code _lsn} and {@code _commit_ts} follow. */
    public int sourceColumns() {
        return columns.length;
    }

    private Object value(int pos) {
        int off = offsets[pos];
        return BinaryValues.decode(columns[pos], tuple, off, BinaryValues.int32(tuple, off - 4));
    }

    @Override
    public int getArity() {
        return columns.length + 3;
    }

    @Override
    public RowKind getRowKind() {
        return kind;
    }

    @Override
    public void setRowKind(RowKind kind) {
        this.kind = kind;
    }

    @Override
    public boolean isNullAt(int pos) {
        if (pos < columns.length) {
            return offsets[pos] < 0;
        }
        return pos == columns.length + 2 && commitMicros == NO_COMMIT;
    }

    @Override
    public boolean getBoolean(int pos) {
        return (Boolean) value(pos);
    }

    @Override
    public byte getByte(int pos) {
        return ((Number) value(pos)).byteValue();
    }

    @Override
    public short getShort(int pos) {
        return ((Number) value(pos)).shortValue();
    }

    @Override
    public int getInt(int pos) {
        // the window column and the key columns are read for every row: no boxing for them
        int off = offsets[pos];
        return switch (columns[pos].kind()) {
            case SHORT -> (short) BinaryValues.int16(tuple, off);
            case INT -> BinaryValues.int32(tuple, off);
            case DATE -> BinaryValues.int32(tuple, off) + BinaryValues.PG_EPOCH_DAYS;
            default -> (Integer) value(pos);
        };
    }

    @Override
    public long getLong(int pos) {
        if (pos == columns.length + 1) {
            return lsn;
        }
        return columns[pos].kind() == ValueKind.LONG
                ? BinaryValues.int64(tuple, offsets[pos])
                : (Long) value(pos);
    }

    @Override
    public float getFloat(int pos) {
        return (Float) value(pos);
    }

    @Override
    public double getDouble(int pos) {
        return (Double) value(pos);
    }

    @Override
    public StringData getString(int pos) {
        if (pos == columns.length) {
            return switch (op) {
                case 'c' -> INSERT_OP;
                case 'u' -> UPDATE_OP;
                default -> SNAPSHOT_OP;
            };
        }
        return (StringData) value(pos);
    }

    @Override
    public DecimalData getDecimal(int pos, int precision, int scale) {
        return (DecimalData) value(pos);
    }

    @Override
    public TimestampData getTimestamp(int pos, int precision) {
        if (pos == columns.length + 2) {
            return TimestampData.fromEpochMillis(
                    Math.floorDiv(commitMicros, 1000L),
                    (int) Math.floorMod(commitMicros, 1000L) * 1000);
        }
        return (TimestampData) value(pos);
    }

    @Override
    public <T> RawValueData<T> getRawValue(int pos) {
        throw new UnsupportedOperationException("an archived row has no raw values");
    }

    @Override
    public byte[] getBinary(int pos) {
        return (byte[]) value(pos);
    }

    @Override
    public ArrayData getArray(int pos) {
        return (ArrayData) value(pos);
    }

    @Override
    public MapData getMap(int pos) {
        throw new UnsupportedOperationException("an archived row has no maps");
    }

    @Override
    public RowData getRow(int pos, int numFields) {
        throw new UnsupportedOperationException("an archived row has no nested rows");
    }
}
