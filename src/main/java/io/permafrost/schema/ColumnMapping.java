package io.permafrost.schema;

import java.io.Serializable;
import org.apache.iceberg.types.Type;

/**
 * How one source column is archived: its Iceberg type and how values are converted.
 *
 * @param element for {@link ValueKind#LIST}, the mapping of the elements; otherwise null
 */
public record ColumnMapping(
        PgColumn column,
        Type icebergType,
        ValueKind kind,
        int precision,
        int scale,
        ColumnMapping element)
        implements Serializable {}
