package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.executiongraph.failover.RestartBackoffTimeStrategy;
import org.apache.flink.runtime.executiongraph.failover.RestartBackoffTimeStrategyFactoryLoader;
import org.junit.jupiter.api.Test;

/** The restart strategies a backfill and a run get, as Flink's scheduler builds them. */
class RestartStrategyTest {

    private static RestartBackoffTimeStrategy strategy(boolean bounded) {
        Configuration conf = new Configuration();
        ArchiveRunner.restartStrategy(conf, bounded);
        return RestartBackoffTimeStrategyFactoryLoader.createRestartBackoffTimeStrategyFactory(
                        RestartStrategies.fallBackRestart(), conf, new Configuration(), true)
                .create();
    }

    @Test
    void aBackfillGivesUpAfterThreeRestarts() {
        RestartBackoffTimeStrategy s = strategy(true);
        for (int i = 1; i <= 3; i++) {
            s.notifyFailure(new RuntimeException("failure " + i));
            assertThat(s.canRestart()).as("after failure %d", i).isTrue();
            assertThat(s.getBackoffTime()).isEqualTo(5_000L);
        }
        s.notifyFailure(new RuntimeException("failure 4"));
        assertThat(s.canRestart()).isFalse();
    }

    @Test
    void aRunRetriesWithoutEndBackingOffFromOneSecondToFiveMinutes() {
        RestartBackoffTimeStrategy s = strategy(false);
        s.notifyFailure(new RuntimeException("first failure"));
        assertThat(s.canRestart()).isTrue();
        assertThat(s.getBackoffTime()).isBetween(900L, 1_100L); // 1 s, jitter 10 %
        assertThat(s.toString())
                .contains("initialBackoffMS=1000")
                .contains("maxBackoffMS=300000")
                .contains("backoffMultiplier=2.0")
                .contains("resetBackoffThresholdMS=3600000")
                .contains("jitterFactor=0.1")
                .contains("attemptsBeforeResetBackoff=" + Integer.MAX_VALUE);
    }
}
