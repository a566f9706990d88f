package io.permafrost.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ByteaArrayConverterTest {

    /** The elements as hex strings (null stays null), for readable assertions. */
    private static List<String> hex(Object converted) {
        List<String> out = new ArrayList<>();
        for (Object item : (List<?>) converted) {
            if (item == null) {
                out.add(null);
            } else {
                ByteBuffer b = ((ByteBuffer) item).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.add(java.util.HexFormat.of().formatHex(bytes));
            }
        }
        return out;
    }

    @Test
    void parsesTheArrayTextFormWithNull() {
        // PostgreSQL's text output of ARRAY['\x00ff'::bytea, NULL]: {"\\x00ff",NULL}
        List<Object> parsed = ByteaArrayConverter.parseText("{\"\\\\x00ff\",NULL}");

        assertThat(hex(parsed)).containsExactly("00ff", null);
    }

    @Test
    void parsesAnEmptyArray() {
        assertThat(ByteaArrayConverter.parseText("{}")).isEmpty();
    }

    @Test
    void parsesEmptyByteaElementsAndSeveralValues() {
        List<Object> parsed =
                ByteaArrayConverter.parseText("{\"\\\\x\",\"\\\\xdeadbeef\",\"\\\\x01\"}");

        assertThat(hex(parsed)).containsExactly("", "deadbeef", "01");
    }

    @Test
    void refusesTextThatIsNotAOneDimensionalArray() {
        assertThatThrownBy(() -> ByteaArrayConverter.parseText("\\x00ff"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a one-dimensional bytea[] value");
    }

    @Test
    void refusesEscapeFormatBytea() {
        assertThatThrownBy(() -> ByteaArrayConverter.parseText("{abc}"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("set bytea_output = hex");
    }

    @Test
    void convertsAnObjectArrayOfByteArrays() {
        Object converted =
                ByteaArrayConverter.convert(
                        new Object[] {new byte[] {0x00, (byte) 0xff}, null, new byte[0]});

        assertThat(hex(converted)).containsExactly("00ff", null, "");
    }

    @Test
    void convertsAListAndTextValues() {
        assertThat(hex(ByteaArrayConverter.convert(List.of(new byte[] {0x7f}))))
                .containsExactly("7f");
        assertThat(hex(ByteaArrayConverter.convert("{\"\\\\x0a0b\"}"))).containsExactly("0a0b");
    }

    @Test
    void nullStaysNull() {
        assertThat(ByteaArrayConverter.convert(null)).isNull();
    }
}
