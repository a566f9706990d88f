package io.permafrost.source;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Debezium 1.9 has no mapping for {@code bytea[]} and would drop such columns silently; this
 * converter maps them to a list of bytes, from JDBC arrays (snapshot) and from the array text form
 * (WAL).
 */
public final class ByteaArrayConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The name under which {@link ArchiveSourceFactory} registers it with Debezium. */
    public static final String NAME = "permafrost_bytea_array";

    @Override
    public void configure(Properties props) {}

    @Override
    public void converterFor(
            RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if ("_bytea".equals(column.typeName())) {
            registration.register(
                    SchemaBuilder.array(Schema.OPTIONAL_BYTES_SCHEMA).optional(),
                    ByteaArrayConverter::convert);
        }
    }

    static Object convert(Object value) {
        if (value == null) {
            return null;
        }
        Object[] items;
        try {
            if (value instanceof Array a) {
                items = (Object[]) a.getArray();
            } else if (value instanceof Object[] o) {
                items = o;
            } else if (value instanceof List<?> l) {
                items = l.toArray();
            } else {
                return parseText(value.toString());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read a bytea[] value: " + e.getMessage(), e);
        }
        List<Object> out = new ArrayList<>(items.length);
        for (Object item : items) {
            out.add(item == null ? null : bytes(item));
        }
        return out;
    }

    private static ByteBuffer bytes(Object item) {
        if (item instanceof byte[] b) {
            return ByteBuffer.wrap(b);
        }
        if (item instanceof ByteBuffer b) {
            return b;
        }
        return ByteBuffer.wrap(hex(item.toString()));
    }

    /** Parses PostgreSQL's array text form of bytea values, e.g. {@code {"\\x00ff",NULL}}. */
    static List<Object> parseText(String text) {
        String s = text.trim();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new IllegalStateException("not a one-dimensional bytea[] value: " + text);
        }
        List<Object> out = new ArrayList<>();
        String body = s.substring(1, s.length() - 1);
        if (body.isEmpty()) {
            return out;
        }
        for (String part : body.split(",", -1)) {
            String p = part.trim();
            if (p.equals("NULL")) {
                out.add(null);
                continue;
            }
            if (p.startsWith("\"") && p.endsWith("\"")) {
                p = p.substring(1, p.length() - 1).replace("\\\\", "\\");
            }
            out.add(ByteBuffer.wrap(hex(p)));
        }
        return out;
    }

    private static byte[] hex(String s) {
        if (!s.startsWith("\\x")) {
            throw new IllegalStateException(
                    "bytea value not in hex format (set bytea_output = hex): " + s);
        }
        return HexFormat.of().parseHex(s.substring(2));
    }
}
