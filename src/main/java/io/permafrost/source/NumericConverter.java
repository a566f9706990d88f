package io.permafrost.source;

import io.debezium.data.SpecialValueDecimal;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.math.BigDecimal;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Reads {@code numeric} values as their exact decimal text, NaN and ±Infinity included. Flink CDC
 * 3.5 reads snapshot rows with plain {@code ResultSet.getObject}, which returns a double for NaN;
 * Debezium's own decimal conversion then yields NULL, silently. This converter keeps the value, and
 * {@link ValueConverter} refuses what a decimal column cannot hold.
 */
public final class NumericConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The name under which {@link ArchiveSourceFactory} registers it with Debezium. */
    public static final String NAME = "permafrost_numeric";

    @Override
    public void configure(Properties props) {}

    @Override
    public void converterFor(
            RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if ("numeric".equals(column.typeName()) || "decimal".equals(column.typeName())) {
            registration.register(SchemaBuilder.string().optional(), NumericConverter::convert);
        }
    }

    static Object convert(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof SpecialValueDecimal s) {
            // The WAL decoder hands NaN over as SpecialValueDecimal.NOT_A_NUMBER, whose toString()
            // is "NAN"; toDouble() gives NaN/±Infinity, spelled below as PostgreSQL spells them.
            return s.getDecimalValue().isPresent()
                    ? s.getDecimalValue().get().toPlainString()
                    : convert(s.toDouble());
        }
        if (value instanceof Double d) {
            if (d.isNaN()) {
                return "NaN";
            }
            if (d.isInfinite()) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            return new BigDecimal(d.toString()).toPlainString();
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString()).toPlainString();
        }
        return value.toString();
    }
}
