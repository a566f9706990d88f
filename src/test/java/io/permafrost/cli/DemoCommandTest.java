package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void sampleDaysEndWithTheLastDayWhoseWindowIsClosed() {
        // Just after midnight yesterday's window still waits close_after (10 min) for late rows.
        assertThat(DemoCommand.lastClosedDay(Instant.parse("2026-11-22T00:05:23Z")))
                .isEqualTo(LocalDate.parse("2026-11-20"));
        assertThat(DemoCommand.lastClosedDay(Instant.parse("2026-11-22T00:09:59Z")))
                .isEqualTo(LocalDate.parse("2026-11-20"));
        assertThat(DemoCommand.lastClosedDay(Instant.parse("2026-11-22T00:10:00Z")))
                .isEqualTo(LocalDate.parse("2026-11-21"));
        assertThat(DemoCommand.lastClosedDay(Instant.parse("2026-11-22T23:59:59Z")))
                .isEqualTo(LocalDate.parse("2026-11-21"));
    }
}
