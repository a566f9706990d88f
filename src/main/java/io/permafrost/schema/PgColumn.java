package io.permafrost.schema;

import java.io.Serializable;

/**
 * A column as the PostgreSQL catalog describes it.
 *
 * @param typeName {@code pg_type.typname} (for arrays, of the element type)
 * @param typeKind {@code pg_type.typtype} of that type ('b' base, 'e' enum, 'd' domain, ...)
 * @param typmod {@code pg_attribute.atttypmod}, -1 when unconstrained
 * @param array whether the column is an array of {@code typeName}
 */
public record PgColumn(
        String name, String typeName, char typeKind, int typmod, boolean array, boolean notNull)
        implements Serializable {

    /** The type as a user would write it, for messages. */
    public String displayType() {
        return typeName + (array ? "[]" : "");
    }
}
