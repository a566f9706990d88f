package io.permafrost.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * Writes archived rows as CSV (RFC 4180 quoting, a header line), JSON Lines, or one JSON array.
 * Values: {@code bytea} as {@code \x} hex, {@code timestamptz} as ISO-8601 UTC ({@code
 * 2024-01-15T00:30:00Z}), {@code timestamp} as ISO-8601 without an offset, decimals in plain
 * notation, lists as JSON arrays (inside a CSV field too). In CSV, NULL is an empty field and an
 * empty string is {@code ""}; in JSON, types are natural (numbers, booleans, null, arrays).
 */
abstract class RowFormat {

    static final List<String> NAMES = List.of("csv", "jsonl", "json");

    private static final JsonFactory JSON =
            new JsonFactoryBuilder()
                    .rootValueSeparator((String) null)
                    .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                    .build();

    protected final Writer out;
    protected final List<Types.NestedField> columns;

    private RowFormat(Writer out, Schema schema) {
        this.out = out;
        this.columns = schema.columns();
    }

    static RowFormat of(String name, Writer out, Schema schema) throws IOException {
        return switch (name) {
            case "csv" -> new Csv(out, schema);
            case "jsonl" -> new Json(out, schema, false);
            case "json" -> new Json(out, schema, true);
            default -> throw new IllegalArgumentException(name);
        };
    }

    abstract void begin() throws IOException;

    abstract void row(Record r) throws IOException;

    abstract void end() throws IOException;

    /** CSV with a header line; fields quoted when they hold a comma, quote, CR or LF. */
    static final class Csv extends RowFormat {
        private final StringBuilder line = new StringBuilder();

        Csv(Writer out, Schema schema) {
            super(out, schema);
        }

        @Override
        void begin() throws IOException {
            line.setLength(0);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                quoted(line, columns.get(i).name());
            }
            out.write(line.append('\n').toString());
        }

        @Override
        void row(Record r) throws IOException {
            line.setLength(0);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object v = r.get(i);
                if (v != null) {
                    quoted(line, text(v));
                }
            }
            out.write(line.append('\n').toString());
        }

        @Override
        void end() throws IOException {
            out.flush();
        }

        static void quoted(StringBuilder b, String s) {
            boolean quote = s.isEmpty();
            for (int i = 0; i < s.length() && !quote; i++) {
                char c = s.charAt(i);
                quote = c == ',' || c == '"' || c == '\n' || c == '\r';
            }
            if (!quote) {
                b.append(s);
                return;
            }
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    b.append('"');
                }
                b.append(c);
            }
            b.append('"');
        }

        /** A value as CSV text; lists become JSON arrays. */
        static String text(Object v) {
            if (v instanceof List<?> list) {
                StringWriter w = new StringWriter();
                try (JsonGenerator g = JSON.createGenerator(w)) {
                    value(g, list);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return w.toString();
            }
            Object s = scalar(v);
            return s.toString();
        }
    }

    /** JSON Lines (one object per line), or one array with one object per line. */
    static final class Json extends RowFormat {
        private final boolean array;
        private final JsonGenerator g;
        private boolean first = true;

        Json(Writer out, Schema schema, boolean array) throws IOException {
            super(out, schema);
            this.array = array;
            this.g = JSON.createGenerator(out);
        }

        @Override
        void begin() throws IOException {
            if (array) {
                g.writeRaw("[\n");
            }
        }

        @Override
        void row(Record r) throws IOException {
            if (array && !first) {
                g.writeRaw(",\n");
            }
            first = false;
            g.writeStartObject();
            for (int i = 0; i < columns.size(); i++) {
                g.writeFieldName(columns.get(i).name());
                value(g, r.get(i));
            }
            g.writeEndObject();
            if (!array) {
                g.writeRaw('\n');
            }
        }

        @Override
        void end() throws IOException {
            if (array) {
                g.writeRaw(first ? "]\n" : "\n]\n");
            }
            g.flush();
            out.flush();
        }
    }

    /** Writes one value with its natural JSON type. */
    static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object e : list) {
                value(g, e);
            }
            g.writeEndArray();
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Float f) {
            g.writeNumber(f);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof BigDecimal d) {
            g.writeNumber(d);
        } else {
            g.writeString(scalar(v).toString());
        }
    }

    /**
     * The text of a scalar value: ISO-8601 times (UTC with {@code Z} for timestamptz), {@code \x}
     * hex for binary, plain decimals.
     */
    static Object scalar(Object v) {
        if (v instanceof OffsetDateTime t) {
            return t.toInstant().toString();
        }
        if (v instanceof LocalDateTime t) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
        }
        if (v instanceof LocalTime t) {
            return DateTimeFormatter.ISO_LOCAL_TIME.format(t);
        }
        if (v instanceof LocalDate d) {
            return d.toString();
        }
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof byte[] bytes) {
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof CharSequence s) {
            return s.toString();
        }
        return v.toString();
    }
}
