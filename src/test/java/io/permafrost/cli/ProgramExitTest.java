package io.permafrost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Inside Flink (its client has set the context environment, as in application mode) main() must not
 * call System.exit: it would end the JobManager. Were it to exit here, the test JVM would die and
 * the run would fail.
 */
class ProgramExitTest {

    @AfterEach
    void unset() {
        StreamContextEnvironment.unsetAsContext();
    }

    @Test
    void aPlainJvmIsNotInsideFlink() {
        assertThat(ProgramExit.insideFlink()).isFalse();
    }

    @Test
    void insideFlinkMainReturnsOnSuccessAndThrowsOnFailure() {
        StreamContextEnvironment.setAsContext(
                new DefaultExecutorServiceLoader(),
                new Configuration(),
                getClass().getClassLoader(),
                true,
                false);
        assertThat(ProgramExit.insideFlink()).isTrue();

        Main.main(new String[] {"--version"});

        assertThatThrownBy(() -> Main.main(new String[] {"run"}))
                .isInstanceOf(ProgramExit.CommandFailedException.class)
                .hasMessageContaining("exit code 2")
                .satisfies(
                        e ->
                                assertThat(((ProgramExit.CommandFailedException) e).exitCode())
                                        .isEqualTo(ExitCodes.USAGE));
    }
}
