package io.permafrost.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.SpecialValueDecimal;
import io.permafrost.schema.ColumnMapping;
import io.permafrost.schema.PgColumn;
import io.permafrost.schema.TypeMapping;
import java.math.BigDecimal;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

class NumericConverterTest {

    @Test
    void bigDecimalIsPlainTextWithItsScale() {
        assertThat(NumericConverter.convert(new BigDecimal("1.50"))).isEqualTo("1.50");
        assertThat(NumericConverter.convert(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(NumericConverter.convert(new BigDecimal("-0.000001"))).isEqualTo("-0.000001");
    }

    @Test
    void doubleSpecialValuesKeepPostgresSpelling() {
        assertThat(NumericConverter.convert(Double.NaN)).isEqualTo("NaN");
        assertThat(NumericConverter.convert(Double.POSITIVE_INFINITY)).isEqualTo("Infinity");
        assertThat(NumericConverter.convert(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    }

    @Test
    void finiteDoubleIsPlainText() {
        assertThat(NumericConverter.convert(2.5d)).isEqualTo("2.5");
        assertThat(NumericConverter.convert(1.0e10d)).isEqualTo("10000000000");
    }

    @Test
    void otherNumbersArePlainText() {
        assertThat(NumericConverter.convert(42)).isEqualTo("42");
        assertThat(NumericConverter.convert(-9_000_000_000L)).isEqualTo("-9000000000");
    }

    @Test
    void specialValueDecimalWithAValue() {
        assertThat(NumericConverter.convert(new SpecialValueDecimal(new BigDecimal("12.340"))))
                .isEqualTo("12.340");
    }

    @Test
    void specialValueDecimalSpecialsKeepPostgresSpelling() {
        // The WAL (pgoutput) decoder hands NaN over as SpecialValueDecimal.NOT_A_NUMBER, whose
        // toString() is "NAN"; the archive must hold PostgreSQL's own text, as the snapshot does.
        assertThat(NumericConverter.convert(SpecialValueDecimal.NOT_A_NUMBER)).isEqualTo("NaN");
        assertThat(NumericConverter.convert(SpecialValueDecimal.POSITIVE_INF))
                .isEqualTo("Infinity");
        assertThat(NumericConverter.convert(SpecialValueDecimal.NEGATIVE_INF))
                .isEqualTo("-Infinity");
    }

    @Test
    void stringsPassThrough() {
        assertThat(NumericConverter.convert("123.45")).isEqualTo("123.45");
        assertThat(NumericConverter.convert("NaN")).isEqualTo("NaN");
    }

    @Test
    void nullStaysNull() {
        assertThat(NumericConverter.convert(null)).isNull();
    }

    @Test
    void snapshotAndStreamNaNArchiveIdentically() {
        ColumnMapping unconstrained =
                TypeMapping.map("public.t", new PgColumn("c", "numeric", 'b', -1, false, false));

        Object fromSnapshot =
                ValueConverter.convert(unconstrained, NumericConverter.convert(Double.NaN), null);
        Object fromStream =
                ValueConverter.convert(
                        unconstrained,
                        NumericConverter.convert(SpecialValueDecimal.NOT_A_NUMBER),
                        null);

        assertThat(fromSnapshot).isEqualTo(StringData.fromString("NaN"));
        assertThat(fromStream).isEqualTo(StringData.fromString("NaN"));
    }
}
