package io.permafrost.sink;

import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.ValueKind;
import io.permafrost.source.copy.BinaryValues;
import io.permafrost.source.copy.CopyRow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.FieldMetrics;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.parquet.ParquetValueWriters;
import org.apache.iceberg.parquet.TripleWriter;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnWriteStore;
import org.apache.iceberg.shaded.org.apache.parquet.io.api.Binary;
import org.apache.iceberg.shaded.org.apache.parquet.schema.GroupType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.iceberg.shaded.org.apache.parquet.schema.Type;
import org.apache.iceberg.util.DecimalUtil;

/**
 * Writes archived rows to Parquet: a {@link CopyRow} (a backfill's snapshot row) straight from its
 * binary COPY tuple, every other row with Iceberg's own Flink writer. Both write the same columns
 * of the same file, value for value alike (the values {@code FlinkParquetWriters} writes for the
 * Flink values {@code BinaryValues.decode} makes), so a file may hold rows of both.
 *
 * <p>{@link #metrics()} (NaN counts of float columns, which Iceberg's writer counts) covers only
 * the rows written by Iceberg's writer; it refuses once a {@link CopyRow} of a table with float
 * columns was written, rather than give wrong counts. FileSink's files take their metrics from the
 * Parquet footer, where every row is counted.
 */
final class CopyRowWriter implements ParquetValueWriter<RowData> {

    private static final Binary SNAPSHOT_OP = op("r");
    private static final Binary INSERT_OP = op("c");
    private static final Binary UPDATE_OP = op("u");

    private final ParquetValueWriter<RowData> iceberg;
    private final Field[] fields;
    private final Leaf op;
    private final Leaf lsn;
    private final Leaf commitTs;
    private final int commitTsNull;
    private final boolean hasFloats;
    private boolean wroteCopyRows;

    /**
     * @param columns the table's source columns, in order; {@code _op}, {@code _lsn} and {@code
     *     _commit_ts} follow them in {@code message}
     * @param iceberg Iceberg's writer of the same message, for every row that is not a {@link
     *     CopyRow}
     */
    CopyRowWriter(
            List<ColumnMapping> columns, MessageType message, ParquetValueWriter<RowData> iceberg) {
        if (message.getFieldCount() != columns.size() + 3) {
            throw new IllegalArgumentException(
                    "Parquet schema has "
                            + message.getFieldCount()
                            + " fields for "
                            + columns.size()
                            + " columns and 3 archive fields");
        }
        this.iceberg = iceberg;
        this.fields = new Field[columns.size()];
        boolean floats = false;
        for (int i = 0; i < fields.length; i++) {
            ColumnMapping m = columns.get(i);
            fields[i] = Field.of(i, m, message, message.getType(i));
            floats |= isFloat(m) || (m.kind() == ValueKind.LIST && isFloat(m.element()));
        }
        this.hasFloats = floats;
        this.op = new Leaf(null, descriptor(message, columns.size()));
        this.lsn = new Leaf(null, descriptor(message, columns.size() + 1));
        this.commitTs = new Leaf(null, descriptor(message, columns.size() + 2));
        this.commitTsNull = nullLevel(message, message.getType(columns.size() + 2));
    }

    private static Binary op(String op) {
        return Binary.fromConstantByteArray(op.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isFloat(ColumnMapping m) {
        return m.kind() == ValueKind.FLOAT || m.kind() == ValueKind.DOUBLE;
    }

    private static ColumnDescriptor descriptor(MessageType message, String... path) {
        return message.getColumnDescription(path);
    }

    private static ColumnDescriptor descriptor(MessageType message, int field) {
        return descriptor(message, message.getType(field).getName());
    }

    /** The definition level of a NULL in a top-level field, or -1 if it is required. */
    private static int nullLevel(MessageType message, Type field) {
        return field.isRepetition(Type.Repetition.OPTIONAL)
                ? message.getMaxDefinitionLevel(field.getName()) - 1
                : -1;
    }

    @Override
    public void write(int repetitionLevel, RowData row) {
        if (!(row instanceof CopyRow r)) {
            iceberg.write(repetitionLevel, row);
            return;
        }
        wroteCopyRows = true;
        byte[] tuple = r.tuple();
        for (Field f : fields) {
            f.write(r, tuple);
        }
        op.column()
                .writeBinary(
                        0,
                        switch (r.op()) {
                            case 'c' -> INSERT_OP;
                            case 'u' -> UPDATE_OP;
                            default -> SNAPSHOT_OP;
                        });
        lsn.column().writeLong(0, r.lsn());
        if (r.commitMicros() == CopyRow.NO_COMMIT) {
            commitTs.column().writeNull(0, commitTsNull);
        } else {
            commitTs.column().writeLong(0, r.commitMicros());
        }
    }

    @Override
    public List<TripleWriter<?>> columns() {
        return iceberg.columns();
    }

    @Override
    public void setColumnStore(ColumnWriteStore store) {
        iceberg.setColumnStore(store);
        for (Field f : fields) {
            f.leaf.setColumnStore(store);
        }
        op.setColumnStore(store);
        lsn.setColumnStore(store);
        commitTs.setColumnStore(store);
    }

    @Override
    public Stream<FieldMetrics<?>> metrics() {
        if (wroteCopyRows && hasFloats) {
            throw new IllegalStateException(
                    "float NaN counts are not kept for rows written from COPY tuples; take the"
                            + " file's metrics from its footer");
        }
        return iceberg.metrics();
    }

    /** One top-level column of the tuple. */
    private static final class Field {
        final int pos;
        final int nullLevel;
        final Leaf leaf;
        // lists only: see Iceberg's RepeatedWriter and OptionWriter
        final boolean list;
        final int emptyLevel;
        final int elementNullLevel;
        final int elementRepetition;

        private Field(
                int pos,
                int nullLevel,
                Leaf leaf,
                boolean list,
                int emptyLevel,
                int elementNullLevel,
                int elementRepetition) {
            this.pos = pos;
            this.nullLevel = nullLevel;
            this.leaf = leaf;
            this.list = list;
            this.emptyLevel = emptyLevel;
            this.elementNullLevel = elementNullLevel;
            this.elementRepetition = elementRepetition;
        }

        static Field of(int pos, ColumnMapping m, MessageType message, Type type) {
            int nullLevel = nullLevel(message, type);
            if (m.kind() != ValueKind.LIST) {
                return new Field(
                        pos,
                        nullLevel,
                        new Leaf(m, descriptor(message, type.getName())),
                        false,
                        0,
                        0,
                        0);
            }
            GroupType repeated = type.asGroupType().getType(0).asGroupType();
            Type element = repeated.getType(0);
            String[] repeatedPath = {type.getName(), repeated.getName()};
            String[] elementPath = {type.getName(), repeated.getName(), element.getName()};
            return new Field(
                    pos,
                    nullLevel,
                    new Leaf(m.element(), descriptor(message, elementPath)),
                    true,
                    message.getMaxDefinitionLevel(repeatedPath) - 1,
                    element.isRepetition(Type.Repetition.OPTIONAL)
                            ? message.getMaxDefinitionLevel(elementPath) - 1
                            : -1,
                    message.getMaxRepetitionLevel(repeatedPath));
        }

        void write(CopyRow row, byte[] tuple) {
            int off = row.offset(pos);
            if (off < 0) {
                if (nullLevel < 0) {
                    throw new IllegalStateException(
                            "NULL in required column " + leaf.column().toString());
                }
                leaf.column().writeNull(0, nullLevel);
            } else if (!list) {
                leaf.write(0, tuple, off, row.length(pos));
            } else {
                writeList(tuple, off);
            }
        }

        /** array_send, one dimension (checked when read): see {@code BinaryValues.array}. */
        private void writeList(byte[] tuple, int off) {
            int n = BinaryValues.int32(tuple, off) == 0 ? 0 : BinaryValues.int32(tuple, off + 12);
            if (n == 0) {
                leaf.column().writeNull(0, emptyLevel);
                return;
            }
            int p = off + 20;
            for (int i = 0; i < n; i++) {
                int rl = i == 0 ? 0 : elementRepetition;
                int len = BinaryValues.int32(tuple, p);
                p += 4;
                if (len < 0) {
                    if (elementNullLevel < 0) {
                        throw new IllegalStateException(
                                "NULL element in list of required elements "
                                        + leaf.column().toString());
                    }
                    leaf.column().writeNull(rl, elementNullLevel);
                } else {
                    leaf.write(rl, tuple, p, len);
                    p += len;
                }
            }
        }
    }

    /**
     * One Parquet column written from PostgreSQL's binary values. Extends Iceberg's primitive
     * writer for its column handle; its own {@code write(int, Object)} is not used.
     */
    private static final class Leaf extends ParquetValueWriters.PrimitiveWriter<Object> {
        private final ColumnMapping mapping;
        private final ValueKind kind;
        private final PrimitiveTypeName physical;
        private final byte[] fixed;

        Leaf(ColumnMapping mapping, ColumnDescriptor desc) {
            super(desc);
            this.mapping = mapping;
            this.kind = mapping == null ? null : mapping.kind();
            this.physical = desc.getPrimitiveType().getPrimitiveTypeName();
            this.fixed =
                    physical == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
                            ? new byte[desc.getPrimitiveType().getTypeLength()]
                            : null;
        }

        org.apache.iceberg.parquet.ColumnWriter<Object> column() {
            return column;
        }

        @Override
        public void write(int repetitionLevel, Object value) {
            throw new UnsupportedOperationException("written from COPY tuples only");
        }

        /**
         * Writes the value of {@code len} bytes at {@code off}, as Iceberg writes its Flink value.
         */
        void write(int rl, byte[] b, int off, int len) {
            switch (kind) {
                case BOOLEAN -> column.writeBoolean(rl, b[off] != 0);
                case SHORT -> column.writeInteger(rl, (short) BinaryValues.int16(b, off));
                case INT -> column.writeInteger(rl, BinaryValues.int32(b, off));
                case LONG -> column.writeLong(rl, BinaryValues.int64(b, off));
                case FLOAT ->
                        column.writeFloat(rl, Float.intBitsToFloat(BinaryValues.int32(b, off)));
                case DOUBLE ->
                        column.writeDouble(rl, Double.longBitsToDouble(BinaryValues.int64(b, off)));
                case STRING, BINARY, UUID ->
                        column.writeBinary(rl, Binary.fromReusedByteArray(b, off, len));
                case DATE ->
                        column.writeInteger(
                                rl, BinaryValues.int32(b, off) + BinaryValues.PG_EPOCH_DAYS);
                // Iceberg's time is in microseconds, as PostgreSQL's
                case TIME_MILLIS, TIME_MICROS -> column.writeLong(rl, BinaryValues.int64(b, off));
                case TIMESTAMP, TIMESTAMPTZ ->
                        column.writeLong(
                                rl, BinaryValues.int64(b, off) + BinaryValues.PG_EPOCH_MICROS);
                case DECIMAL -> writeDecimal(rl, b, off, len);
                case NUMERIC_TEXT ->
                        column.writeBinary(
                                rl,
                                Binary.fromString(
                                        BinaryValues.decode(mapping, b, off, len).toString()));
                default -> throw new IllegalStateException("unhandled kind " + kind);
            }
        }

        private void writeDecimal(int rl, byte[] b, int off, int len) {
            long unscaled = BinaryValues.unscaledLong(mapping, b, off);
            if (unscaled == BinaryValues.NOT_A_LONG) {
                DecimalData d = (DecimalData) BinaryValues.decode(mapping, b, off, len);
                switch (physical) {
                    case INT32 -> column.writeInteger(rl, (int) d.toUnscaledLong());
                    case INT64 -> column.writeLong(rl, d.toUnscaledLong());
                    default ->
                            column.writeBinary(
                                    rl,
                                    Binary.fromReusedByteArray(
                                            DecimalUtil.toReusedFixLengthBytes(
                                                    mapping.precision(),
                                                    mapping.scale(),
                                                    d.toBigDecimal(),
                                                    fixed)));
                }
                return;
            }
            switch (physical) {
                case INT32 -> column.writeInteger(rl, (int) unscaled);
                case INT64 -> column.writeLong(rl, unscaled);
                default -> {
                    // big-endian two's complement, sign-extended to the fixed length
                    long v = unscaled;
                    for (int i = fixed.length - 1; i >= 0; i--) {
                        fixed[i] = (byte) v;
                        v >>= 8;
                    }
                    column.writeBinary(rl, Binary.fromReusedByteArray(fixed));
                }
            }
        }
    }
}
