package io.permafrost.config;

import io.permafrost.model.Granularity;
import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the YAML configuration: expands environment variables, parses, checks every key and value,
 * and resolves defaults. Every error names the key, the rule and the fix.
 */
public final class ConfigLoader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(b|kb|mb|gb)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern ENDPOINT = Pattern.compile("https?://[^/\\s]+");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{2,32}");

    private final EnvExpander env;

    public ConfigLoader(EnvExpander env) {
        this.env = env;
    }

    public static PermafrostConfig load(Path file) {
        return new ConfigLoader(EnvExpander.ofSystem()).loadFile(file);
    }

    public PermafrostConfig loadFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(
                    "cannot read config file "
                            + file
                            + ": it does not exist. Fix: pass an existing YAML file with -c FILE");
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot read config file "
                            + file
                            + ": "
                            + e.getMessage()
                            + ". Fix: pass an existing YAML file with -c FILE");
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base);
    }

    /** Parses config text; relative local paths resolve against {@code baseDir}. */
    public PermafrostConfig parse(String text, Path baseDir) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(env.expand(text));
        } catch (YAMLException e) {
            throw new ConfigException("the config is not valid YAML: " + e.getMessage());
        }
        Node top = Node.root(root);
        top.allowOnly(
                "source",
                "tables",
                "warehouse",
                "catalog",
                "job",
                "parquet",
                "verify",
                "delete",
                "storage");
        String warehouse = normalizeLocation(top.string("warehouse", "./warehouse"), baseDir);
        PermafrostConfig.Source source = source(top.child("source", true));
        List<PermafrostConfig.Table> tables = tables(top.list("tables"));
        PermafrostConfig.Storage storage = storage(top.child("storage", false));
        PermafrostConfig.Catalog catalog = catalog(top.child("catalog", false), warehouse, storage);
        PermafrostConfig.Job job = job(top.child("job", false), warehouse);
        PermafrostConfig.Parquet parquet = parquet(top.child("parquet", false));
        return new PermafrostConfig(
                source,
                tables,
                warehouse,
                catalog,
                job,
                parquet,
                verify(top.child("verify", false)),
                delete(top.child("delete", false)),
                storage);
    }

    private PermafrostConfig.Storage storage(Node n) {
        n.allowOnly("s3");
        Node s3 = n.child("s3", false);
        s3.allowOnly(
                "endpoint",
                "region",
                "path_style_access",
                "access_key",
                "secret_key",
                "directory_markers");
        String endpoint = s3.string("endpoint", null);
        if (endpoint != null) {
            endpoint = stripSlash(endpoint.trim());
            if (!ENDPOINT.matcher(endpoint).matches()) {
                throw new ConfigException(
                        s3.key("endpoint"),
                        "'" + endpoint + "' is not an http(s) endpoint",
                        "write e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000 "
                                + "(no bucket, no path), or leave it out for AWS");
            }
        }
        String region = s3.string("region", null);
        if (region != null && !REGION.matcher(region).matches()) {
            throw new ConfigException(
                    s3.key("region"), "'" + region + "' is not a region name", "e.g. us-east-1");
        }
        if (region == null && endpoint != null) {
            region = "us-east-1"; // signing needs one; S3-compatible stores accept any
        }
        String accessKey = blankToNull(s3.string("access_key", null));
        String secretKey = blankToNull(s3.string("secret_key", null));
        if ((accessKey == null) != (secretKey == null)) {
            String missing = accessKey == null ? "access_key" : "secret_key";
            throw new ConfigException(
                    s3.key(missing),
                    "is required when "
                            + (accessKey == null ? "secret_key" : "access_key")
                            + " is set",
                    "set both (e.g. access_key: ${AWS_ACCESS_KEY_ID}, secret_key:"
                            + " ${AWS_SECRET_ACCESS_KEY}), or neither to use the default AWS"
                            + " credential chain (IRSA, instance role, environment)");
        }
        String markers = s3.string("directory_markers", "keep").toLowerCase(Locale.ROOT);
        if (!List.of("keep", "delete").contains(markers)) {
            throw new ConfigException(
                    s3.key("directory_markers"),
                    "must be keep or delete, got '" + markers + "'",
                    null);
        }
        return new PermafrostConfig.Storage(
                new PermafrostConfig.S3(
                        endpoint,
                        region,
                        s3.bool("path_style_access", false),
                        accessKey,
                        secretKey,
                        markers));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private PermafrostConfig.Source source(Node n) {
        n.allowOnly(
                "host",
                "port",
                "database",
                "user",
                "password",
                "slot",
                "publication",
                "heartbeat_interval",
                "chunk_size",
                "snapshot_reader",
                "stream_reader");
        String slot = n.string("slot", "permafrost");
        if (!SLOT_NAME.matcher(slot).matches()) {
            throw new ConfigException(
                    n.key("slot"),
                    "'" + slot + "' is not a valid replication slot name",
                    "use 1-63 lower-case letters, digits or _");
        }
        String publication = n.string("publication", slot);
        if (!SLOT_NAME.matcher(publication).matches()) {
            throw new ConfigException(
                    n.key("publication"),
                    "'" + publication + "' is not a valid publication name",
                    "use 1-63 lower-case letters, digits or _");
        }
        int port = n.integer("port", 5432);
        if (port < 1 || port > 65535) {
            throw new ConfigException(n.key("port"), "must be 1..65535, got " + port, null);
        }
        int chunkSize = n.integer("chunk_size", 50_000);
        if (chunkSize < 1) {
            throw new ConfigException(n.key("chunk_size"), "must be positive", "e.g. 50000");
        }
        return new PermafrostConfig.Source(
                n.requiredString("host"),
                port,
                n.requiredString("database"),
                n.requiredString("user"),
                n.string("password", ""),
                slot,
                publication,
                duration(n, "heartbeat_interval", "10s"),
                chunkSize,
                snapshotReader(n),
                streamReader(n));
    }

    private static PermafrostConfig.StreamReader streamReader(Node n) {
        String reader = n.string("stream_reader", "auto");
        return switch (reader) {
            case "auto" -> PermafrostConfig.StreamReader.AUTO;
            case "cdc" -> PermafrostConfig.StreamReader.CDC;
            case "pgoutput" -> PermafrostConfig.StreamReader.PGOUTPUT;
            default ->
                    throw new ConfigException(
                            n.key("stream_reader"),
                            "must be auto, pgoutput or cdc, got '" + reader + "'",
                            "use auto (the default: the reader a resumed run was started with,"
                                    + " else pgoutput where it can read the tables), pgoutput"
                                    + " (Permafrost's own binary COPY snapshot and pgoutput stream;"
                                    + " PostgreSQL 14+) or cdc (Flink CDC's snapshot and stream)");
        };
    }

    private static PermafrostConfig.SnapshotReader snapshotReader(Node n) {
        String reader = n.string("snapshot_reader", "copy");
        return switch (reader) {
            case "copy" -> PermafrostConfig.SnapshotReader.COPY;
            case "cdc" -> PermafrostConfig.SnapshotReader.CDC;
            default ->
                    throw new ConfigException(
                            n.key("snapshot_reader"),
                            "must be copy or cdc, got '" + reader + "'",
                            "use copy (binary COPY, the fast default) or cdc (Flink CDC's chunked reader)");
        };
    }

    private List<PermafrostConfig.Table> tables(List<Node> items) {
        if (items.isEmpty()) {
            throw new ConfigException(
                    "tables",
                    "at least one table is required",
                    "add e.g. - {name: public.events, window: {column: created_at, granularity: daily}}");
        }
        List<PermafrostConfig.Table> tables = new ArrayList<>();
        Set<TableId> seen = new HashSet<>();
        for (Node t : items) {
            t.allowOnly(
                    "name",
                    "window",
                    "close_after",
                    "chunk_key",
                    "key",
                    "retention",
                    "exclude_columns");
            String name = t.requiredString("name");
            TableId id;
            try {
                id = TableId.parse(name);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(t.key("name"), e.getMessage(), "write schema.table");
            }
            if (!seen.add(id)) {
                throw new ConfigException(
                        t.key("name"), "table " + id + " is listed twice", "list each table once");
            }
            Node w = t.child("window", true);
            w.allowOnly("column", "granularity", "range");
            String column = w.requiredString("column");
            WindowSpec spec;
            long closeAfter;
            long retention;
            if (w.has("granularity") == w.has("range")) {
                throw new ConfigException(
                        w.key(""),
                        "needs exactly one of 'granularity' (hourly|daily|monthly) or 'range' (an integer)",
                        "e.g. {column: uploaded_at, granularity: daily} or {column: height, range: 1000}");
            }
            if (w.has("granularity")) {
                String g = w.requiredString("granularity");
                try {
                    spec = new WindowSpec.Time(column, Granularity.parse(g));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(
                            w.key("granularity"),
                            "must be hourly, daily or monthly, got '" + g + "'",
                            null);
                }
                closeAfter = duration(t, "close_after", "10m").toNanos() / 1000;
                retention = duration(t, "retention", "30d").toNanos() / 1000;
            } else {
                long range = w.longValue("range", 0);
                if (range <= 0) {
                    throw new ConfigException(
                            w.key("range"),
                            "must be a positive integer, got " + range,
                            "e.g. range: 1000");
                }
                spec = new WindowSpec.Range(column, range);
                closeAfter = t.longValue("close_after", 0);
                retention = t.longValue("retention", 0);
                if (retention < 0) {
                    throw new ConfigException(
                            t.key("retention"), "must be >= 0 for range windows", null);
                }
                if (closeAfter < 0) {
                    throw new ConfigException(
                            t.key("close_after"), "must be >= 0 for range windows", null);
                }
            }
            String chunkKey = t.string("chunk_key", null);
            List<String> key = t.stringList("key");
            List<String> exclude = t.stringList("exclude_columns");
            Set<String> excluded = new HashSet<>();
            for (String c : exclude) {
                String why = null;
                if (c.isEmpty()) {
                    why = "an empty column name";
                } else if (!excluded.add(c)) {
                    why = "column " + c + " twice";
                } else if (c.equals(column)) {
                    why = "column " + c + ", the window column, which every archived row needs";
                } else if (key.contains(c)) {
                    why = "column " + c + ", which is in 'key': rows are identified by it";
                } else if (c.equals(chunkKey)) {
                    why = "column " + c + ", which is the chunk_key the snapshot is split by";
                }
                if (why != null) {
                    throw new ConfigException(
                            t.key("exclude_columns"),
                            "names " + why,
                            "list each column to leave out of the archive once, and keep the"
                                    + " window, key and chunk_key columns");
                }
            }
            tables.add(
                    new PermafrostConfig.Table(
                            id, spec, closeAfter, chunkKey, key, retention, List.copyOf(exclude)));
        }
        return List.copyOf(tables);
    }

    private PermafrostConfig.Catalog catalog(
            Node n, String warehouse, PermafrostConfig.Storage storage) {
        n.allowOnly("type", "name", "uri", "properties");
        String type = n.string("type", "hadoop").toLowerCase(Locale.ROOT);
        if (!List.of("hadoop", "jdbc", "rest").contains(type)) {
            throw new ConfigException(
                    n.key("type"), "must be hadoop, jdbc or rest, got '" + type + "'", null);
        }
        if (type.equals("hadoop") && PermafrostConfig.Storage.isS3(warehouse)) {
            throw new ConfigException(
                    n.key("type"),
                    "'hadoop' cannot hold a warehouse on S3 ("
                            + warehouse
                            + "): Iceberg's HadoopCatalog commits by an atomic rename, which S3"
                            + " does not have (and it would need hadoop-aws)",
                    "use a jdbc catalog, e.g. a database on your PostgreSQL: catalog: {type: jdbc,"
                            + " uri: 'jdbc:postgresql://db:5432/iceberg', properties: {jdbc.user:"
                            + " ..., jdbc.password: ...}}, or type: rest with the catalog service's"
                            + " uri");
        }
        Map<String, String> props = new LinkedHashMap<>(n.stringMap("properties"));
        props.putIfAbsent("warehouse", warehouse);
        if (!type.equals("hadoop")) {
            props.put("uri", n.requiredString("uri"));
        }
        if (PermafrostConfig.Storage.isS3(warehouse)) {
            // catalog.properties win: they are Iceberg's own keys, set on purpose
            storage.s3().icebergProperties().forEach(props::putIfAbsent);
        }
        if (warehouse.startsWith("file:")) {
            // Plain Java file access: Hadoop's local file system starts a chmod process per file.
            props.putIfAbsent("io-impl", LOCAL_FILE_IO);
        }
        return new PermafrostConfig.Catalog(
                type, n.string("name", "permafrost"), Map.copyOf(props));
    }

    private PermafrostConfig.Job job(Node n, String warehouse) {
        n.allowOnly(
                "name",
                "parallelism",
                "checkpoint_interval",
                "checkpoint_dir",
                "state_backend",
                "metrics_port");
        Integer metricsPort = n.has("metrics_port") ? n.integer("metrics_port", 0) : null;
        if (metricsPort != null && (metricsPort < 1 || metricsPort > 65535)) {
            throw new ConfigException(
                    n.key("metrics_port"), "must be 1..65535, got " + metricsPort, "e.g. 9249");
        }
        int parallelism = n.integer("parallelism", 1);
        if (parallelism < 1) {
            throw new ConfigException(
                    n.key("parallelism"), "must be >= 1, got " + parallelism, null);
        }
        String backend = n.string("state_backend", "rocksdb").toLowerCase(Locale.ROOT);
        if (!List.of("rocksdb", "hashmap").contains(backend)) {
            throw new ConfigException(
                    n.key("state_backend"),
                    "must be rocksdb or hashmap, got '" + backend + "'",
                    null);
        }
        String name = n.string("name", "permafrost");
        if (!SLOT_NAME.matcher(name).matches()) {
            throw new ConfigException(
                    n.key("name"), "'" + name + "' must be lower-case letters, digits or _", null);
        }
        return new PermafrostConfig.Job(
                name,
                parallelism,
                duration(n, "checkpoint_interval", "30s"),
                n.string("checkpoint_dir", stripSlash(warehouse) + "/_flink/checkpoints"),
                backend,
                metricsPort);
    }

    private PermafrostConfig.Parquet parquet(Node n) {
        n.allowOnly(
                "compression",
                "target_file_size",
                "row_group_size",
                "page_row_limit",
                "compaction_min_files");
        String codec = n.string("compression", "zstd").toLowerCase(Locale.ROOT);
        if (!List.of("zstd", "snappy", "gzip", "none").contains(codec)) {
            throw new ConfigException(
                    n.key("compression"),
                    "must be zstd, snappy, gzip or none, got '" + codec + "'",
                    null);
        }
        long target = size(n, "target_file_size", "128MB");
        long rowGroup = size(n, "row_group_size", "16MB");
        if (rowGroup > target) {
            throw new ConfigException(
                    n.key("row_group_size"),
                    "must not exceed target_file_size",
                    "files roll at row-group boundaries; keep row groups well below the target size");
        }
        int pageRows = n.integer("page_row_limit", 2_000);
        if (pageRows < 100) {
            throw new ConfigException(
                    n.key("page_row_limit"),
                    "must be at least 100, got " + pageRows,
                    "the default 2000 suits most tables; parquet-java's own default is 20000");
        }
        int compactionMinFiles = n.integer("compaction_min_files", 5);
        if (compactionMinFiles != 0 && compactionMinFiles < 2) {
            throw new ConfigException(
                    n.key("compaction_min_files"),
                    "must be 0 (no compaction) or at least 2, got " + compactionMinFiles,
                    "the default 5 compacts a closed window once it has 5 small files");
        }
        return new PermafrostConfig.Parquet(codec, target, rowGroup, pageRows, compactionMinFiles);
    }

    private PermafrostConfig.Verify verify(Node n) {
        n.allowOnly("webhook_url", "example_keys", "follow_interval");
        String url = n.string("webhook_url", null);
        if (url != null && !url.matches("https?://.+")) {
            throw new ConfigException(
                    n.key("webhook_url"),
                    "'" + url + "' is not an http(s) URL",
                    "write e.g. https://hooks.example.com/permafrost");
        }
        int examples = n.integer("example_keys", 10);
        if (examples < 0 || examples > 1000) {
            throw new ConfigException(
                    n.key("example_keys"), "must be 0..1000, got " + examples, null);
        }
        return new PermafrostConfig.Verify(url, examples, duration(n, "follow_interval", "30s"));
    }

    private PermafrostConfig.Delete delete(Node n) {
        n.allowOnly("partitions");
        String partitions = n.string("partitions", "drop").toLowerCase(Locale.ROOT);
        if (!List.of("drop", "detach").contains(partitions)) {
            throw new ConfigException(
                    n.key("partitions"),
                    "must be drop or detach, got '" + partitions + "'",
                    "drop removes a verified window's partition; detach keeps it as a table of its own");
        }
        return new PermafrostConfig.Delete(partitions);
    }

    static Duration duration(Node n, String key, String def) {
        return parseDuration(n.key(key), n.string(key, def));
    }

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h} or {@code 1d}; errors name {@code
     * key}.
     */
    public static Duration parseDuration(String key, String value) {
        String text = value.trim();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new ConfigException(
                    key,
                    "'" + text + "' is not a duration",
                    "write e.g. 500ms, 30s, 10m, 1h or 1d");
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            case "h" -> Duration.ofHours(v);
            default -> Duration.ofDays(v);
        };
    }

    static long size(Node n, String key, String def) {
        String text = n.string(key, def).trim();
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new ConfigException(
                    n.key(key), "'" + text + "' is not a size", "write e.g. 64MB, 512KB or 1GB");
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long bytes =
                switch (unit) {
                    case "kb" -> v << 10;
                    case "mb" -> v << 20;
                    case "gb" -> v << 30;
                    default -> v;
                };
        if (bytes < 1024) {
            throw new ConfigException(n.key(key), "must be at least 1KB, got " + text, null);
        }
        return bytes;
    }

    /** Local paths become absolute {@code file:} URIs; URIs with a scheme stay as they are. */
    /** Iceberg's file IO of local warehouses (a name: config does not depend on iceberg). */
    static final String LOCAL_FILE_IO = "io.permafrost.iceberg.LocalFileIO";

    static String normalizeLocation(String location, Path baseDir) {
        if (location.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            return stripSlash(location);
        }
        Path p = Path.of(location);
        if (!p.isAbsolute()) {
            p = baseDir.resolve(p);
        }
        return "file://" + p.toAbsolutePath().normalize();
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
