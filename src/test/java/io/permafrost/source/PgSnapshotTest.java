package io.permafrost.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgSnapshotTest {

    @Test
    void seesWhatCommittedBeforeItAndNothingInProgressOrLater() {
        PgSnapshot s = PgSnapshot.parse("100:110:102,105");
        assertThat(s.sees(3)).isTrue();
        assertThat(s.sees(99)).isTrue();
        assertThat(s.sees(100)).isTrue();
        assertThat(s.sees(101)).isTrue();
        assertThat(s.sees(102)).as("in progress").isFalse();
        assertThat(s.sees(105)).as("in progress").isFalse();
        assertThat(s.sees(109)).isTrue();
        assertThat(s.sees(110)).as("not yet started").isFalse();
        assertThat(s.sees(5_000_000_000L)).isFalse();
        assertThat(s.toString()).isEqualTo("100:110:102,105");
        assertThat(s.xmax()).isEqualTo(110);
    }

    @Test
    void anEmptyInProgressListParses() {
        PgSnapshot s = PgSnapshot.parse("7:7:");
        assertThat(s.sees(6)).isTrue();
        assertThat(s.sees(7)).isFalse();
        assertThat(s).isEqualTo(PgSnapshot.parse("7:7:")).isNotEqualTo(PgSnapshot.parse("7:8:"));
    }

    @Test
    void refusesWhatIsNotASnapshot() {
        for (String bad : new String[] {"", "1:2", "a:b:", "5:4:", "1:2:x", "-1:2:"}) {
            assertThatThrownBy(() -> PgSnapshot.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a PostgreSQL snapshot");
        }
    }

    @Test
    void widensA32BitXminToTheNewestIdBelowTheReadersXmax() {
        long epoch2 = 2L << 32;
        // same epoch
        assertThat(PgSnapshot.widen(1_000, epoch2 + 5_000)).isEqualTo(epoch2 + 1_000);
        assertThat(PgSnapshot.widen(4_999, epoch2 + 5_000)).isEqualTo(epoch2 + 4_999);
        // written before the epoch turned
        assertThat(PgSnapshot.widen(0xFFFF_FF00L, epoch2 + 5_000)).isEqualTo(epoch2 - 0x100);
        // as PostgreSQL returns xid: a signed int read as a long
        assertThat(PgSnapshot.widen((int) 0xFFFF_FF00L, epoch2 + 5_000)).isEqualTo(epoch2 - 0x100);
        // frozen / bootstrap ids are older than everything
        assertThat(PgSnapshot.widen(2, epoch2 + 5_000)).isEqualTo(2);
        // the first epoch: nothing older than the first normal id
        assertThat(PgSnapshot.widen(9_000, 5_000)).isEqualTo(3);
        assertThat(PgSnapshot.parse("4000:5000:").sees(PgSnapshot.widen(9_000, 5_000))).isTrue();
    }
}
