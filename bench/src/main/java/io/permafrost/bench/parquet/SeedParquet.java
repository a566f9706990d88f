package io.permafrost.bench.parquet;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The seed {@code permanent_data_items} table written as Parquet (ZSTD) with plain parquet-java,
 * straight from a binary COPY tuple: the sink limit. Column types are those Permafrost archives
 * (Iceberg's: binary, timestamptz as INT64 micros UTC, decimal(20,0) as FIXED(9), uuid as
 * FIXED(16), smallint as INT32, bytea[] as a 3-level LIST), without Permafrost's three extra
 * columns ({@code _op}, {@code _lsn}, {@code _commit_ts}).
 */
public final class SeedParquet {

    /** How a PostgreSQL binary value becomes a Parquet value. */
    enum Kind {
        BYTES,
        INT8,
        INT4,
        INT2,
        TIMESTAMPTZ,
        NUMERIC_20_0,
        UUID,
        BYTEA_ARRAY,
        TEXT
    }

    /** The seed table's columns, in table order (SELECT * / COPY order). */
    public static final List<String> COLUMNS =
            List.of(
                    "data_item_id",
                    "owner_public_address",
                    "byte_count",
                    "uploaded_date",
                    "assessed_winston_price",
                    "plan_id",
                    "planned_date",
                    "bundle_id",
                    "permanent_date",
                    "block_height",
                    "data_start",
                    "signature_type",
                    "failed_bundles",
                    "content_type",
                    "premium_feature_type",
                    "deadline_height");

    static final Kind[] KINDS = {
        Kind.BYTES,
        Kind.BYTES,
        Kind.INT8,
        Kind.TIMESTAMPTZ,
        Kind.NUMERIC_20_0,
        Kind.UUID,
        Kind.TIMESTAMPTZ,
        Kind.BYTES,
        Kind.TIMESTAMPTZ,
        Kind.INT4,
        Kind.INT4,
        Kind.INT2,
        Kind.BYTEA_ARRAY,
        Kind.TEXT,
        Kind.TEXT,
        Kind.INT4
    };

    /** First 7 columns are NOT NULL in the seed schema. */
    private static final int REQUIRED = 7;

    /** Microseconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    public static final MessageType SCHEMA = schema();

    private SeedParquet() {}

    private static MessageType schema() {
        Types.MessageTypeBuilder b = Types.buildMessage();
        LogicalTypeAnnotation ts =
                LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS);
        for (int i = 0; i < KINDS.length; i++) {
            String name = COLUMNS.get(i);
            boolean required = i < REQUIRED;
            switch (KINDS[i]) {
                case BYTES -> b.primitive(PrimitiveTypeName.BINARY, rep(required)).named(name);
                case TEXT ->
                        b.primitive(PrimitiveTypeName.BINARY, rep(required))
                                .as(LogicalTypeAnnotation.stringType())
                                .named(name);
                case INT8 -> b.primitive(PrimitiveTypeName.INT64, rep(required)).named(name);
                case INT4, INT2 -> b.primitive(PrimitiveTypeName.INT32, rep(required)).named(name);
                case TIMESTAMPTZ ->
                        b.primitive(PrimitiveTypeName.INT64, rep(required)).as(ts).named(name);
                case NUMERIC_20_0 ->
                        b.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep(required))
                                .length(9)
                                .as(LogicalTypeAnnotation.decimalType(0, 20))
                                .named(name);
                case UUID ->
                        b.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep(required))
                                .length(16)
                                .as(LogicalTypeAnnotation.uuidType())
                                .named(name);
                case BYTEA_ARRAY ->
                        b.optionalList().optionalElement(PrimitiveTypeName.BINARY).named(name);
            }
        }
        return b.named("permanent_data_items");
    }

    private static org.apache.parquet.schema.Type.Repetition rep(boolean required) {
        return required
                ? org.apache.parquet.schema.Type.Repetition.REQUIRED
                : org.apache.parquet.schema.Type.Repetition.OPTIONAL;
    }

    /**
     * A ZSTD (level 3, parquet-java's default) writer of binary COPY tuples to a local file. Pages
     * hold parquet-java's default 20,000 rows, unless the system property {@code bench.pageRows}
     * says otherwise (to give the baselines Permafrost's {@code parquet.page_row_limit}).
     */
    public static ParquetWriter<CopyBinaryReader> writer(Path file) throws IOException {
        return new Builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withPageRowCountLimit(Integer.getInteger("bench.pageRows", 20_000))
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    private static final class Builder extends ParquetWriter.Builder<CopyBinaryReader, Builder> {
        Builder(OutputFile file) {
            super(file);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<CopyBinaryReader> getWriteSupport(
                org.apache.hadoop.conf.Configuration conf) {
            return new TupleWriteSupport();
        }

        @Override
        protected WriteSupport<CopyBinaryReader> getWriteSupport(ParquetConfiguration conf) {
            return new TupleWriteSupport();
        }
    }

    /** Writes the current tuple of a {@link CopyBinaryReader}. */
    static final class TupleWriteSupport extends WriteSupport<CopyBinaryReader> {
        private RecordConsumer rc;
        private final byte[] decimal = new byte[9];

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            return new WriteContext(SCHEMA, new HashMap<>());
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(SCHEMA, new HashMap<>());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.rc = recordConsumer;
        }

        @Override
        public void write(CopyBinaryReader t) {
            if (t.fields() != KINDS.length) {
                throw new IllegalStateException(
                        "expected " + KINDS.length + " columns, got " + t.fields());
            }
            byte[] b = t.buf();
            rc.startMessage();
            for (int i = 0; i < KINDS.length; i++) {
                int len = t.len(i);
                if (len < 0) {
                    continue;
                }
                int off = t.off(i);
                String name = COLUMNS.get(i);
                rc.startField(name, i);
                switch (KINDS[i]) {
                    case BYTES, TEXT, UUID -> rc.addBinary(Binary.fromReusedByteArray(b, off, len));
                    case INT8 -> rc.addLong(CopyBinaryReader.getLong(b, off));
                    case INT4 -> rc.addInteger(CopyBinaryReader.getInt(b, off));
                    case INT2 -> rc.addInteger(CopyBinaryReader.getShort(b, off));
                    case TIMESTAMPTZ ->
                            rc.addLong(CopyBinaryReader.getLong(b, off) + PG_EPOCH_MICROS);
                    case NUMERIC_20_0 -> {
                        numericToFixed9(b, off, decimal);
                        rc.addBinary(Binary.fromReusedByteArray(decimal));
                    }
                    case BYTEA_ARRAY -> writeByteaArray(b, off);
                }
                rc.endField(name, i);
            }
            rc.endMessage();
        }

        private void writeByteaArray(byte[] b, int off) {
            int ndim = CopyBinaryReader.getInt(b, off);
            int count = 0;
            int p = off + 12;
            if (ndim > 0) {
                count = 1;
                for (int d = 0; d < ndim; d++) {
                    count *= CopyBinaryReader.getInt(b, p);
                    p += 8;
                }
            }
            rc.startGroup();
            if (count > 0) {
                rc.startField("list", 0);
                for (int e = 0; e < count; e++) {
                    int l = CopyBinaryReader.getInt(b, p);
                    p += 4;
                    rc.startGroup();
                    if (l >= 0) {
                        rc.startField("element", 0);
                        rc.addBinary(Binary.fromReusedByteArray(b, p, l));
                        rc.endField("element", 0);
                        p += l;
                    }
                    rc.endGroup();
                }
                rc.endField("list", 0);
            }
            rc.endGroup();
        }
    }

    /**
     * A binary {@code numeric} with scale 0 as the 9-byte big-endian two's complement Parquet uses
     * for decimal(20,0). Fractional digits (there are none at scale 0) are dropped.
     */
    static void numericToFixed9(byte[] b, int off, byte[] out) {
        int ndigits = CopyBinaryReader.getShort(b, off);
        int weight = CopyBinaryReader.getShort(b, off + 2);
        int sign = CopyBinaryReader.getShort(b, off + 4) & 0xffff;
        if (sign == 0xC000) {
            throw new IllegalArgumentException("numeric NaN does not fit decimal(20,0)");
        }
        boolean negative = sign == 0x4000;
        if (weight <= 3) {
            long v = 0;
            for (int i = 0; i <= weight; i++) {
                int digit = i < ndigits ? CopyBinaryReader.getShort(b, off + 8 + 2 * i) : 0;
                v = v * 10000 + digit;
            }
            if (negative) {
                v = -v;
            }
            out[0] = (byte) (v < 0 ? 0xff : 0);
            for (int i = 8; i >= 1; i--) {
                out[i] = (byte) v;
                v >>= 8;
            }
            return;
        }
        BigInteger v = BigInteger.ZERO;
        BigInteger base = BigInteger.valueOf(10000);
        for (int i = 0; i <= weight; i++) {
            int digit = i < ndigits ? CopyBinaryReader.getShort(b, off + 8 + 2 * i) : 0;
            v = v.multiply(base).add(BigInteger.valueOf(digit));
        }
        if (negative) {
            v = v.negate();
        }
        byte[] raw = v.toByteArray();
        byte fill = (byte) (v.signum() < 0 ? 0xff : 0);
        int pad = 9 - raw.length;
        for (int i = 0; i < 9; i++) {
            out[i] = i < pad ? fill : raw[i - pad];
        }
    }
}
