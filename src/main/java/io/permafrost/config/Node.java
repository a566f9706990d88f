package io.permafrost.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A typed view of one YAML mapping that knows its key path, for precise error messages. */
final class Node {

    private final String path;
    private final Map<String, Object> values;

    private Node(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    static Node root(Object yaml) {
        if (yaml == null) {
            throw new ConfigException(
                    "the config is empty. Fix: start from the example in README.md");
        }
        if (!(yaml instanceof Map<?, ?>)) {
            throw new ConfigException(
                    "the config must be a YAML mapping (key: value), not " + describe(yaml));
        }
        return new Node("", asMap("", yaml));
    }

    String key(String name) {
        if (name.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        return values.get(name) != null;
    }

    void allowOnly(String... names) {
        Set<String> allowed = Set.of(names);
        for (String k : values.keySet()) {
            if (!allowed.contains(k)) {
                throw new ConfigException(
                        key(k),
                        "unknown key",
                        "use one of " + new TreeSet<>(allowed) + " (check the spelling)");
            }
        }
    }

    Node child(String name, boolean required) {
        Object v = values.get(name);
        if (v == null) {
            if (required) {
                throw new ConfigException(
                        key(name), "is required", "add a '" + name + ":' section");
            }
            return new Node(key(name), Map.of());
        }
        return new Node(key(name), asMap(key(name), v));
    }

    List<Node> list(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new ConfigException(key(name), "is required", "add a '" + name + ":' list");
        }
        if (!(v instanceof List<?> items)) {
            throw new ConfigException(key(name), "must be a list, not " + describe(v), null);
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String k = key(name) + "[" + i + "]";
            nodes.add(new Node(k, asMap(k, items.get(i))));
        }
        return nodes;
    }

    String requiredString(String name) {
        String s = string(name, null);
        if (s == null || s.isBlank()) {
            throw new ConfigException(key(name), "is required", "set '" + name + ": ...'");
        }
        return s;
    }

    String string(String name, String def) {
        Object v = values.get(name);
        if (v == null) {
            return def;
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            throw new ConfigException(
                    key(name), "must be a single value, not " + describe(v), null);
        }
        return v.toString();
    }

    int integer(String name, int def) {
        long v = longValue(name, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ConfigException(key(name), "is out of range: " + v, null);
        }
        return (int) v;
    }

    boolean bool(String name, boolean def) {
        Object v = values.get(name);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String text = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ConfigException(key(name), "must be true or false, got '" + v + "'", null);
    }

    long longValue(String name, long def) {
        Object v = values.get(name);
        if (v == null) {
            return def;
        }
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key(name), "must be an integer, got '" + v + "'", null);
        }
    }

    List<String> stringList(String name) {
        Object v = values.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> items) {
            return items.stream().map(String::valueOf).toList();
        }
        return List.of(v.toString());
    }

    Map<String, String> stringMap(String name) {
        Object v = values.get(name);
        if (v == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        asMap(key(name), v).forEach((k, val) -> out.put(k, String.valueOf(val)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(String key, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(
                    key.isEmpty() ? "(top)" : key,
                    "must be a mapping (key: value), not " + describe(v),
                    null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), val));
        return out;
    }

    private static String describe(Object v) {
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        return "'" + v + "'";
    }
}
