package io.permafrost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WindowSpecTest {

    /** Microseconds since the epoch of an ISO-8601 UTC instant, e.g. 2024-01-15T07:30:00Z. */
    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    private static final long HOUR = Duration.ofHours(1).toNanos() / 1_000;
    private static final long DAY = Duration.ofDays(1).toNanos() / 1_000;

    @Nested
    class Hourly {
        private final WindowSpec.Time spec = new WindowSpec.Time("ts", Granularity.HOURLY);

        @Test
        void windowOfAValueInsideTheHour() {
            Window w = spec.windowOf(micros("2024-01-15T07:30:12.345678Z"));

            assertThat(w.start()).isEqualTo(micros("2024-01-15T07:00:00Z"));
            assertThat(w.end()).isEqualTo(micros("2024-01-15T08:00:00Z"));
            assertThat(w.path()).isEqualTo("year=2024/month=01/day=15/hour=07");
        }

        @Test
        void exactBoundariesBelongToTheWindowTheyStart() {
            assertThat(spec.windowOf(micros("2024-01-15T07:00:00Z")).path())
                    .isEqualTo("year=2024/month=01/day=15/hour=07");
            assertThat(spec.windowOf(micros("2024-01-15T07:59:59.999999Z")).path())
                    .isEqualTo("year=2024/month=01/day=15/hour=07");
            assertThat(spec.windowOf(micros("2024-01-15T08:00:00Z")).path())
                    .isEqualTo("year=2024/month=01/day=15/hour=08");
        }

        @Test
        void lastHourOfTheYearRollsIntoTheNextYear() {
            Window w = spec.windowOf(micros("2023-12-31T23:59:59.999999Z"));

            assertThat(w.path()).isEqualTo("year=2023/month=12/day=31/hour=23");
            assertThat(w.end()).isEqualTo(micros("2024-01-01T00:00:00Z"));
        }

        @Test
        void yearsBelow1000ArePaddedToFourDigits() {
            assertThat(spec.windowOf(micros("0999-03-04T05:06:07Z")).path())
                    .isEqualTo("year=0999/month=03/day=04/hour=05");
            assertThat(spec.windowOf(micros("0009-11-22T23:00:00Z")).path())
                    .isEqualTo("year=0009/month=11/day=22/hour=23");
        }

        @Test
        void negativeMicrosAreFlooredNotTruncated() {
            Window w = spec.windowOf(-1);

            assertThat(w.start()).isEqualTo(micros("1969-12-31T23:00:00Z"));
            assertThat(w.end()).isEqualTo(0);
            assertThat(w.path()).isEqualTo("year=1969/month=12/day=31/hour=23");
        }

        @Test
        void windowIsOneHourLong() {
            Window w = spec.windowOf(micros("1955-06-01T12:34:56Z"));

            assertThat(w.end() - w.start()).isEqualTo(HOUR);
            assertThat(w.path()).isEqualTo("year=1955/month=06/day=01/hour=12");
        }

        @Test
        void parsePathRoundTrips() {
            for (String t :
                    new String[] {
                        "2024-01-15T07:30:00Z", "1969-12-31T23:59:59Z", "1900-02-28T00:00:00Z"
                    }) {
                Window w = spec.windowOf(micros(t));
                assertThat(spec.parsePath(w.path())).isEqualTo(w);
            }
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "year=2024/month=01/day=15",
                    "year=2024/month=01",
                    "year=2024",
                    "year=2024/month=01/day=15/hour=7",
                    "year=2024/month=01/day=15/hour=07/",
                    "height=1000-1999",
                    ""
                })
        void parsePathRejectsOtherPaths(String path) {
            assertThatThrownBy(() -> spec.parsePath(path))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + path + "' is not a HOURLY window path");
        }
    }

    @Nested
    class Daily {
        private final WindowSpec.Time spec = new WindowSpec.Time("ts", Granularity.DAILY);

        @Test
        void windowOfAValueInsideTheDay() {
            Window w = spec.windowOf(micros("2024-01-15T07:30:12.345678Z"));

            assertThat(w.start()).isEqualTo(micros("2024-01-15T00:00:00Z"));
            assertThat(w.end()).isEqualTo(micros("2024-01-16T00:00:00Z"));
            assertThat(w.path()).isEqualTo("year=2024/month=01/day=15");
        }

        @Test
        void exactBoundaries() {
            assertThat(spec.windowOf(micros("2024-01-15T00:00:00Z")).path())
                    .isEqualTo("year=2024/month=01/day=15");
            assertThat(spec.windowOf(micros("2024-01-15T23:59:59.999999Z")).path())
                    .isEqualTo("year=2024/month=01/day=15");
            assertThat(spec.windowOf(micros("2024-01-16T00:00:00Z")).path())
                    .isEqualTo("year=2024/month=01/day=16");
        }

        @Test
        void leapDay() {
            Window w = spec.windowOf(micros("2024-02-29T12:00:00Z"));

            assertThat(w.path()).isEqualTo("year=2024/month=02/day=29");
            assertThat(w.end()).isEqualTo(micros("2024-03-01T00:00:00Z"));
        }

        @Test
        void negativeMicros() {
            Window w = spec.windowOf(-1);

            assertThat(w.start()).isEqualTo(-DAY);
            assertThat(w.end()).isEqualTo(0);
            assertThat(w.path()).isEqualTo("year=1969/month=12/day=31");
            assertThat(spec.windowOf(micros("1900-01-01T00:00:00Z")).path())
                    .isEqualTo("year=1900/month=01/day=01");
        }

        @Test
        void parsePathRoundTrips() {
            for (String t : new String[] {"2024-01-15T07:30:00Z", "1969-12-31T00:00:00Z"}) {
                Window w = spec.windowOf(micros(t));
                assertThat(spec.parsePath(w.path())).isEqualTo(w);
            }
            assertThat(spec.parsePath("year=2024/month=02/day=29").start())
                    .isEqualTo(micros("2024-02-29T00:00:00Z"));
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "year=2024/month=01/day=15/hour=07",
                    "year=2024/month=01",
                    "year=2024",
                    "year=24/month=01/day=15",
                    "month=01/day=15"
                })
        void parsePathRejectsOtherGranularities(String path) {
            assertThatThrownBy(() -> spec.parsePath(path))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a DAILY window path");
        }
    }

    @Nested
    class Monthly {
        private final WindowSpec.Time spec = new WindowSpec.Time("ts", Granularity.MONTHLY);

        @Test
        void windowOfAValueInsideTheMonth() {
            Window w = spec.windowOf(micros("2024-01-15T07:30:12.345678Z"));

            assertThat(w.start()).isEqualTo(micros("2024-01-01T00:00:00Z"));
            assertThat(w.end()).isEqualTo(micros("2024-02-01T00:00:00Z"));
            assertThat(w.path()).isEqualTo("year=2024/month=01");
        }

        @Test
        void exactBoundaries() {
            assertThat(spec.windowOf(micros("2024-03-01T00:00:00Z")).path())
                    .isEqualTo("year=2024/month=03");
            assertThat(spec.windowOf(micros("2024-02-29T23:59:59.999999Z")).path())
                    .isEqualTo("year=2024/month=02");
        }

        @Test
        void monthLengths() {
            assertThat(lengthInDays("2024-01-10T00:00:00Z")).isEqualTo(31);
            assertThat(lengthInDays("2024-02-10T00:00:00Z")).isEqualTo(29); // leap year
            assertThat(lengthInDays("2023-02-10T00:00:00Z")).isEqualTo(28);
            assertThat(lengthInDays("1900-02-10T00:00:00Z")).isEqualTo(28); // not a leap year
            assertThat(lengthInDays("2000-02-10T00:00:00Z")).isEqualTo(29);
            assertThat(lengthInDays("2024-04-10T00:00:00Z")).isEqualTo(30);
        }

        private long lengthInDays(String instant) {
            Window w = spec.windowOf(micros(instant));
            return (w.end() - w.start()) / DAY;
        }

        @Test
        void decemberRollsOverToJanuaryOfTheNextYear() {
            Window w = spec.windowOf(micros("2023-12-31T23:59:59.999999Z"));

            assertThat(w.start()).isEqualTo(micros("2023-12-01T00:00:00Z"));
            assertThat(w.end()).isEqualTo(micros("2024-01-01T00:00:00Z"));
            assertThat(w.path()).isEqualTo("year=2023/month=12");
            assertThat(spec.windowOf(w.end()).path()).isEqualTo("year=2024/month=01");
        }

        @Test
        void negativeMicros() {
            Window w = spec.windowOf(-1);

            assertThat(w.start()).isEqualTo(micros("1969-12-01T00:00:00Z"));
            assertThat(w.end()).isEqualTo(0);
            assertThat(w.path()).isEqualTo("year=1969/month=12");
        }

        @Test
        void parsePathRoundTrips() {
            for (String t :
                    new String[] {
                        "2024-02-15T07:30:00Z", "2023-12-31T23:00:00Z", "1969-12-31T23:59:59Z"
                    }) {
                Window w = spec.windowOf(micros(t));
                assertThat(spec.parsePath(w.path())).isEqualTo(w);
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"year=2024/month=01/day=15", "year=2024", "year=2024/month=1"})
        void parsePathRejectsOtherGranularities(String path) {
            assertThatThrownBy(() -> spec.parsePath(path))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a MONTHLY window path");
        }
    }

    @Nested
    class Range {
        private final WindowSpec.Range spec = new WindowSpec.Range("height", 1000);

        @Test
        void windowOfAValue() {
            Window w = spec.windowOf(1_000_500);

            assertThat(w.start()).isEqualTo(1_000_000);
            assertThat(w.end()).isEqualTo(1_001_000);
            assertThat(w.path()).isEqualTo("height=1000000-1000999");
        }

        @Test
        void exactBoundaries() {
            assertThat(spec.windowOf(1_000_000).path()).isEqualTo("height=1000000-1000999");
            assertThat(spec.windowOf(1_000_999).path()).isEqualTo("height=1000000-1000999");
            assertThat(spec.windowOf(1_001_000).path()).isEqualTo("height=1001000-1001999");
            assertThat(spec.windowOf(0).path()).isEqualTo("height=0-999");
        }

        @Test
        void negativeValuesAreFloored() {
            assertThat(spec.windowOf(-1)).isEqualTo(new Window(-1000, 0, "height=-1000--1"));
            assertThat(spec.windowOf(-1000)).isEqualTo(new Window(-1000, 0, "height=-1000--1"));
            assertThat(spec.windowOf(-1001))
                    .isEqualTo(new Window(-2000, -1000, "height=-2000--1001"));
        }

        @Test
        void parsePathRoundTrips() {
            for (long v : new long[] {0, 999, 1_000_500, -1, -1001}) {
                Window w = spec.windowOf(v);
                assertThat(spec.parsePath(w.path())).isEqualTo(w);
            }
        }

        @Test
        void parsePathRejectsAPathOfAnotherSize() {
            assertThatThrownBy(() -> spec.parsePath("height=1000000-1001999"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'height=1000000-1001999' does not match range size 1000");
            assertThatThrownBy(() -> spec.parsePath("height=1000500-1001499"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not match range size 1000");
        }

        @Test
        void parsePathRejectsAPathOfAnotherColumn() {
            assertThatThrownBy(() -> spec.parsePath("depth=1000000-1000999"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                            "'depth=1000000-1000999' is not a range window path of column height");
            assertThatThrownBy(() -> spec.parsePath("year=2024/month=01"))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void sizeMustBePositive() {
            assertThatThrownBy(() -> new WindowSpec.Range("height", 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("range must be positive, got 0");
        }
    }

    @Test
    void windowIsClosedOnceTheWatermarkReachesItsEnd() {
        Window w = new WindowSpec.Range("height", 1000).windowOf(5);

        assertThat(w.closedBy(998)).isFalse();
        assertThat(w.closedBy(999)).isFalse();
        assertThat(w.closedBy(1000)).isTrue();
    }
}
