package io.permafrost.sink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Keeps the microseconds of {@code time(6)} values through Iceberg's Flink Parquet readers and
 * writers, which carry an Iceberg time as Flink's TIME, an int of milliseconds: they would write
 * {@code 12:00:00.123456} as {@code 12:00:00.123}. Permafrost carries such a column as a BIGINT of
 * microseconds ({@code ArchiveTable.rowType()}) and hands those readers and writers the file's
 * schema with the column as a plain INT64. Parquet finds a column by its path, so they read and
 * write the very same column, and the file's footer keeps {@code TIME(MICROS)}.
 */
public final class MicrosTimeColumns {

    private MicrosTimeColumns() {}

    /** Field ids of the top-level time columns that {@code rowType} carries as BIGINT. */
    public static Set<Integer> of(Schema schema, RowType rowType) {
        Set<Integer> ids = new HashSet<>();
        List<Types.NestedField> columns = schema.columns();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).type().typeId() == Type.TypeID.TIME
                    && rowType.getTypeAt(i).is(LogicalTypeRoot.BIGINT)) {
                ids.add(columns.get(i).fieldId());
            }
        }
        return ids;
    }

    /** {@code type} with the columns of {@code fieldIds} as plain INT64. */
    public static MessageType asLongs(MessageType type, Set<Integer> fieldIds) {
        if (fieldIds.isEmpty()) {
            return type;
        }
        List<org.apache.iceberg.shaded.org.apache.parquet.schema.Type> fields = new ArrayList<>();
        for (org.apache.iceberg.shaded.org.apache.parquet.schema.Type f : type.getFields()) {
            if (f.isPrimitive() && f.getId() != null && fieldIds.contains(f.getId().intValue())) {
                fields.add(
                        org.apache.iceberg.shaded.org.apache.parquet.schema.Types.primitive(
                                        PrimitiveTypeName.INT64, f.getRepetition())
                                .id(f.getId().intValue())
                                .named(f.getName()));
            } else {
                fields.add(f);
            }
        }
        return new MessageType(type.getName(), fields);
    }
}
