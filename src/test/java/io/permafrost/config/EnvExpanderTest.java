package io.permafrost.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvExpanderTest {

    private final EnvExpander env =
            EnvExpander.of(Map.of("PGHOST", "db.internal", "PGPORT", "6432", "EMPTY", ""));

    @Test
    void expandsASetVariable() {
        assertThat(env.expand("host: ${PGHOST}\n")).isEqualTo("host: db.internal\n");
    }

    @Test
    void expandsSeveralVariablesOnOneLine() {
        assertThat(env.expand("url: ${PGHOST}:${PGPORT}")).isEqualTo("url: db.internal:6432");
    }

    @Test
    void defaultIsUsedOnlyWhenTheVariableIsUnset() {
        assertThat(env.expand("port: ${PGPORT:=5432}")).isEqualTo("port: 6432");
        assertThat(env.expand("user: ${PGUSER:=archiver}")).isEqualTo("user: archiver");
        assertThat(env.expand("password: '${PGPASSWORD:=}'")).isEqualTo("password: ''");
    }

    @Test
    void aVariableSetToTheEmptyStringIsSetAndExpandsToNothing() {
        assertThat(env.expand("x: '${EMPTY:=fallback}'")).isEqualTo("x: ''");
    }

    @Test
    void valuesAreInsertedLiterally() {
        EnvExpander e = EnvExpander.of(Map.of("PW", "p$1\\x"));

        assertThat(e.expand("password: ${PW}")).isEqualTo("password: p$1\\x");
    }

    @Test
    void unsetVariableWithoutDefaultNamesTheVariableAndTheLine() {
        String text = "source:\n  host: ${PGHOST}\n  password: ${PGPASSWORD}\n";

        assertThatThrownBy(() -> env.expand(text))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("${PGPASSWORD} is not set")
                .hasMessageContaining("Fix: export PGPASSWORD=...")
                .hasMessageContaining("${PGPASSWORD:=default}");
    }

    @Test
    void commentLinesAreNotExpanded() {
        String text = "# password: ${PGPASSWORD}\n  # host: ${PGHOST}\nhost: ${PGHOST}";

        assertThat(env.expand(text))
                .isEqualTo("# password: ${PGPASSWORD}\n  # host: ${PGHOST}\nhost: db.internal");
    }

    @Test
    void textWithoutReferencesIsUnchanged() {
        String text = "a: $HOME\nb: {x: 1}\n\n";

        assertThat(env.expand(text)).isEqualTo(text);
    }
}
