package io.permafrost.schema;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.flink.table.data.DecimalData;
import org.apache.iceberg.types.Type;

/**
 * How one source column is archived: its Iceberg type and how values are converted.
 *
 * @param element for {@link ValueKind#LIST}, the mapping of the elements; otherwise null
 * @param retired an archived column the source table no longer has (dropped, or left out with
 *     {@code exclude_columns} since): the archive keeps it with what it holds, no reader reads it
 *     from PostgreSQL, rows archived from then on hold null in it, and verification leaves it out
 *     ({@link TypeMapping#retired})
 */
public record ColumnMapping(
        PgColumn column,
        Type icebergType,
        ValueKind kind,
        int precision,
        int scale,
        ColumnMapping element,
        boolean retired)
        implements Serializable {

    /** A column the source table has. */
    public ColumnMapping(
            PgColumn column,
            Type icebergType,
            ValueKind kind,
            int precision,
            int scale,
            ColumnMapping element) {
        this(column, icebergType, kind, precision, scale, element, false);
    }

    /**
     * The Flink decimal of a value of this {@link ValueKind#DECIMAL} column, exactly; throws when
     * the value needs rounding or does not fit the column's precision.
     */
    public DecimalData decimalData(BigDecimal d) {
        BigDecimal exact = d.scale() == scale ? d : d.setScale(scale, RoundingMode.UNNECESSARY);
        DecimalData data = DecimalData.fromBigDecimal(exact, precision, scale);
        if (data == null) {
            throw new IllegalStateException(
                    "value " + d + " does not fit numeric(" + precision + "," + scale + ")");
        }
        return data;
    }
}
