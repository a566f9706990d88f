package io.permafrost.config;

/**
 * A configuration that cannot be used. The message names the key, the rule that was broken and how
 * to fix it, so that a user can act on it without reading code.
 */
public class ConfigException extends RuntimeException {

    public ConfigException(String key, String problem, String fix) {
        super("config '" + key + "': " + problem + (fix == null ? "" : ". Fix: " + fix));
    }

    public ConfigException(String message) {
        super(message);
    }
}
