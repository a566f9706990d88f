package io.permafrost.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:=default}} in configuration text before it is parsed. An
 * unset variable without a default is an error that names the variable and the line.
 */
public final class EnvExpander {

    private static final Pattern REF =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:=([^}]*))?}");

    private final Function<String, String> env;

    public EnvExpander(Function<String, String> env) {
        this.env = env;
    }

    public static EnvExpander ofSystem() {
        return new EnvExpander(System::getenv);
    }

    public static EnvExpander of(Map<String, String> vars) {
        return new EnvExpander(vars::get);
    }

    public String expand(String text) {
        StringBuilder out = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.stripLeading().startsWith("#")) {
                out.append(line);
            } else {
                Matcher m = REF.matcher(line);
                while (m.find()) {
                    String value = env.apply(m.group(1));
                    if (value == null) {
                        if (m.group(2) == null) {
                            throw new ConfigException(
                                    "line "
                                            + (i + 1)
                                            + ": environment variable ${"
                                            + m.group(1)
                                            + "} is not set. Fix: export "
                                            + m.group(1)
                                            + "=..., or write ${"
                                            + m.group(1)
                                            + ":=default} to give a default");
                        }
                        value = m.group(3);
                    }
                    m.appendReplacement(out, Matcher.quoteReplacement(value));
                }
                m.appendTail(out);
            }
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }
}
