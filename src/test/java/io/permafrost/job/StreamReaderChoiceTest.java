package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig.StreamReader;
import org.junit.jupiter.api.Test;

class StreamReaderChoiceTest {

    private static final String CHK = "file:/ckpt/run/abc/chk-7";

    @Test
    void aNewRunWithAutoTakesPgoutputWhereItCanReadTheTables() {
        assertThat(StreamReaderChoice.choose(StreamReader.AUTO, null, null, null))
                .isEqualTo(StreamReader.PGOUTPUT);
        assertThat(
                        StreamReaderChoice.choose(
                                StreamReader.AUTO, "table t has an interval column", null, null))
                .isEqualTo(StreamReader.CDC);
    }

    @Test
    void aResumedRunWithAutoKeepsTheReaderOfItsCheckpoint() {
        assertThat(StreamReaderChoice.choose(StreamReader.AUTO, null, StreamReader.CDC, CHK))
                .isEqualTo(StreamReader.CDC);
        assertThat(StreamReaderChoice.choose(StreamReader.AUTO, null, StreamReader.PGOUTPUT, CHK))
                .isEqualTo(StreamReader.PGOUTPUT);
    }

    @Test
    void anExplicitReaderIsKeptWhenTheCheckpointAgreesOrDoesNotTell() {
        assertThat(StreamReaderChoice.choose(StreamReader.CDC, null, null, null))
                .isEqualTo(StreamReader.CDC);
        assertThat(StreamReaderChoice.choose(StreamReader.CDC, null, StreamReader.CDC, CHK))
                .isEqualTo(StreamReader.CDC);
        assertThat(StreamReaderChoice.choose(StreamReader.PGOUTPUT, null, null, CHK))
                .isEqualTo(StreamReader.PGOUTPUT);
    }

    @Test
    void anExplicitReaderThatCannotResumeTheCheckpointIsRefusedWithTheFix() {
        assertThatThrownBy(
                        () ->
                                StreamReaderChoice.choose(
                                        StreamReader.CDC, null, StreamReader.PGOUTPUT, CHK))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.stream_reader")
                .hasMessageContaining(CHK + " was written by the pgoutput reader")
                .hasMessageContaining("set stream_reader: pgoutput (or auto)")
                .hasMessageContaining("permafrost run --fresh");
    }

    @Test
    void aPgoutputCheckpointOfTablesPgoutputCanNoLongerReadIsRefused() {
        assertThatThrownBy(
                        () ->
                                StreamReaderChoice.choose(
                                        StreamReader.AUTO,
                                        "column t.d is an interval",
                                        StreamReader.PGOUTPUT,
                                        CHK))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("column t.d is an interval")
                .hasMessageContaining("permafrost run --fresh");
    }
}
