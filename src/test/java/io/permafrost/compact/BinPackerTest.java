package io.permafrost.compact;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BinPackerTest {

    @Test
    void fillsBinsInOrderUpToTheTarget() {
        assertThat(BinPacker.pack(List.of(40L, 30L, 30L, 50L, 20L, 10L), Long::longValue, 100))
                .containsExactly(List.of(40L, 30L, 30L), List.of(50L, 20L, 10L));
    }

    @Test
    void dropsBinsOfOneFile() {
        assertThat(BinPacker.pack(List.of(60L, 60L, 60L, 10L), Long::longValue, 100))
                .containsExactly(List.of(60L, 10L));
        assertThat(BinPacker.pack(List.of(70L), Long::longValue, 100)).isEmpty();
        assertThat(BinPacker.pack(List.<Long>of(), Long::longValue, 100)).isEmpty();
    }

    @Test
    void aFileOverTheTargetStandsAlone() {
        assertThat(BinPacker.pack(List.of(10L, 150L, 10L, 10L), Long::longValue, 100))
                .containsExactly(List.of(10L, 10L));
    }
}
