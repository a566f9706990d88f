package io.permafrost.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.junit.jupiter.api.Test;

class SizeRollingPolicyTest {

    /** A part file whose size the test sets, counting how often it is asked. */
    private static final class Part implements PartFileInfo<String> {
        final String bucket;
        long size;
        long lastUpdate;
        int asked;

        Part(String bucket) {
            this.bucket = bucket;
        }

        @Override
        public String getBucketId() {
            return bucket;
        }

        @Override
        public long getCreationTime() {
            return 0;
        }

        @Override
        public long getSize() {
            asked++;
            return size;
        }

        @Override
        public long getLastUpdateTime() {
            return lastUpdate;
        }
    }

    @Test
    void rollsWithinOneCheckIntervalOfReachingTheTargetPerWindowAndAtEveryCheckpoint()
            throws Exception {
        SizeRollingPolicy policy = new SizeRollingPolicy(1000);
        Part a = new Part("day=01");
        Part b = new Part("day=02");
        // Interleaved rows of two windows; window a crosses the target at its 100th row.
        int rowsOfA = 0;
        int rolledAt = -1;
        for (int i = 0; i < 1000 && rolledAt < 0; i++) {
            assertThat(policy.shouldRollOnEvent(b, null)).isFalse();
            rowsOfA++;
            if (rowsOfA == 100) {
                a.size = 1000;
            }
            if (policy.shouldRollOnEvent(a, null)) {
                rolledAt = rowsOfA;
            }
        }
        assertThat(rolledAt).isBetween(100, 100 + SizeRollingPolicy.CHECK_EVERY - 1);
        assertThat(a.asked).isEqualTo(rolledAt / SizeRollingPolicy.CHECK_EVERY);
        assertThat(b.asked).isEqualTo(rolledAt / SizeRollingPolicy.CHECK_EVERY);

        assertThat(policy.shouldRollOnCheckpoint(b)).isTrue();
        assertThat(policy.shouldRollOnProcessingTime(b, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void rollsAWindowThatHadNoRowForTheIdleTimeOnlyWhenAsked() {
        SizeRollingPolicy idle = new SizeRollingPolicy(1000, 1_000);
        Part a = new Part("day=01");
        a.lastUpdate = 50_000;
        assertThat(idle.shouldRollOnProcessingTime(a, 50_999)).isFalse();
        assertThat(idle.shouldRollOnProcessingTime(a, 51_000)).isTrue();
        assertThat(idle.checkIntervalMillis()).isEqualTo(500);

        SizeRollingPolicy never = new SizeRollingPolicy(1000);
        assertThat(never.shouldRollOnProcessingTime(a, Long.MAX_VALUE)).isFalse();
        assertThat(never.checkIntervalMillis()).isEqualTo(60_000);
    }

    @Test
    void refusesANegativeIdleTime() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SizeRollingPolicy(1000, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleMillis");
    }
}
