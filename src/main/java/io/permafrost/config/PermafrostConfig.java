package io.permafrost.config;

import io.permafrost.model.TableId;
import io.permafrost.model.WindowSpec;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The validated configuration of one Permafrost deployment; built by {@link ConfigLoader}. */
public record PermafrostConfig(
        Source source,
        List<Table> tables,
        String warehouse,
        Catalog catalog,
        Job job,
        Parquet parquet,
        Verify verify,
        Delete delete,
        Storage storage)
        implements Serializable {

    /** This configuration with {@code source.stream_reader} resolved to {@code reader}. */
    public PermafrostConfig withStreamReader(StreamReader reader) {
        return new PermafrostConfig(
                source.withStreamReader(reader),
                tables,
                warehouse,
                catalog,
                job,
                parquet,
                verify,
                delete,
                storage);
    }

    /** Property keys whose values are secrets: never printed. */
    private static final java.util.regex.Pattern SECRET_KEY =
            java.util.regex.Pattern.compile(
                    "(?i).*(password|secret|token|credential|access-key|access\\.key|auth).*");

    /** A copy of {@code properties} for printing: secret values replaced by {@code ****}. */
    public static Map<String, String> masked(Map<String, String> properties) {
        Map<String, String> out = new java.util.TreeMap<>();
        properties.forEach((k, v) -> out.put(k, SECRET_KEY.matcher(k).matches() ? "****" : v));
        return out;
    }

    /** The PostgreSQL database and its logical replication resources. */
    /** How a backfill reads the tables: binary COPY per block range, or Flink CDC's chunks. */
    public enum SnapshotReader {
        COPY,
        CDC
    }

    /**
     * How {@code run} reads the slot: through Flink CDC (Debezium), or with Permafrost's own binary
     * COPY snapshot and {@code pgoutput} stream. {@code AUTO} (the default) is resolved when a run
     * starts: the reader its checkpoint was written by, else {@code PGOUTPUT} where it can read the
     * tables, else {@code CDC}.
     */
    public enum StreamReader {
        AUTO,
        CDC,
        PGOUTPUT
    }

    public record Source(
            String host,
            int port,
            String database,
            String user,
            String password,
            String slot,
            String publication,
            Duration heartbeatInterval,
            int chunkSize,
            SnapshotReader snapshotReader,
            StreamReader streamReader)
            implements Serializable {

        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        /** This source read with {@code reader}. */
        public Source withStreamReader(StreamReader reader) {
            return new Source(
                    host,
                    port,
                    database,
                    user,
                    password,
                    slot,
                    publication,
                    heartbeatInterval,
                    chunkSize,
                    snapshotReader,
                    reader);
        }

        @Override
        public String toString() {
            return user
                    + "@"
                    + host
                    + ":"
                    + port
                    + "/"
                    + database
                    + " (slot "
                    + slot
                    + ", publication "
                    + publication
                    + ")";
        }
    }

    /**
     * One archived table. {@code closeAfter} and {@code retention} are in the window's unit:
     * microseconds for time windows, column units for range windows. {@code excludeColumns} are
     * source columns left out of the archive (and of its verification).
     */
    public record Table(
            TableId id,
            WindowSpec window,
            long closeAfter,
            String chunkKey,
            List<String> keyColumns,
            long retention,
            List<String> excludeColumns)
            implements Serializable {}

    /** Verification: where to report failures, how many differing keys to name. */
    public record Verify(String webhookUrl, int exampleKeys, Duration followInterval)
            implements Serializable {}

    /** Deletion: what happens to a detached partition that equals its window (drop or detach). */
    public record Delete(String partitions) implements Serializable {}

    /** The Iceberg catalog: {@code type} is hadoop, jdbc or rest; properties go to Iceberg. */
    public record Catalog(String type, String name, Map<String, String> properties)
            implements Serializable {

        @Override
        public String toString() {
            return "Catalog[type="
                    + type
                    + ", name="
                    + name
                    + ", properties="
                    + masked(properties)
                    + "]";
        }
    }

    /** Object storage settings; used where a location is {@code s3://} or {@code s3a://}. */
    public record Storage(S3 s3) implements Serializable {

        /** True for the URI schemes Flink's S3 plugin and Iceberg's S3FileIO both serve. */
        public static boolean isS3(String location) {
            String l = location.toLowerCase(java.util.Locale.ROOT);
            return l.startsWith("s3://") || l.startsWith("s3a://");
        }
    }

    /**
     * An S3 or S3-compatible store. Null fields are unset: without keys the default AWS credential
     * chain applies (environment, web identity / IRSA, profile, container or instance role),
     * without a region the AWS region chain (AWS_REGION, ...).
     */
    public record S3(
            String endpoint,
            String region,
            boolean pathStyleAccess,
            String accessKey,
            String secretKey,
            String directoryMarkers)
            implements Serializable {

        /** Flink's S3 file system (flink-s3-fs-hadoop) credential chain when no keys are set. */
        public static final String DEFAULT_CHAIN =
                "com.amazonaws.auth.DefaultAWSCredentialsProviderChain";

        public boolean hasKeys() {
            return accessKey != null;
        }

        /** Keys for Flink's S3 file system: parquet files, manifests and checkpoints. */
        public Map<String, String> flinkProperties() {
            Map<String, String> p = new java.util.LinkedHashMap<>();
            if (endpoint != null) {
                p.put("s3.endpoint", endpoint);
            }
            if (region != null) {
                p.put("s3.endpoint.region", region);
            }
            p.put("s3.path.style.access", Boolean.toString(pathStyleAccess));
            if (hasKeys()) {
                p.put("s3.access-key", accessKey);
                p.put("s3.secret-key", secretKey);
            } else {
                p.put("fs.s3a.aws.credentials.provider", DEFAULT_CHAIN);
            }
            p.put("s3.directory.marker.retention", directoryMarkers);
            return p;
        }

        /** Catalog properties for Iceberg's S3FileIO: table metadata and data files. */
        public Map<String, String> icebergProperties() {
            Map<String, String> p = new java.util.LinkedHashMap<>();
            p.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
            if (endpoint != null) {
                p.put("s3.endpoint", endpoint);
            }
            if (pathStyleAccess) {
                p.put("s3.path-style-access", "true");
            }
            if (hasKeys()) {
                p.put("s3.access-key-id", accessKey);
                p.put("s3.secret-access-key", secretKey);
            }
            if (region != null) {
                p.put("client.region", region);
            }
            return p;
        }

        @Override
        public String toString() {
            return "S3[endpoint="
                    + (endpoint == null ? "AWS" : endpoint)
                    + ", region="
                    + (region == null ? "(AWS region chain)" : region)
                    + ", pathStyleAccess="
                    + pathStyleAccess
                    + ", credentials="
                    + (hasKeys() ? "access key ****" : "default AWS chain")
                    + ", directoryMarkers="
                    + directoryMarkers
                    + "]";
        }
    }

    /** Flink job settings. */
    public record Job(
            String name,
            int parallelism,
            Duration checkpointInterval,
            String checkpointDir,
            String stateBackend,
            Integer metricsPort)
            implements Serializable {}

    /** Parquet file settings. */
    /**
     * @param pageRowLimit rows per page at most: a column's dictionary is kept or dropped when its
     *     first page is written, so small pages stop the dictionary of unique values (ids, hashes)
     *     early
     * @param compactionMinFiles a closed window is compacted once it has at least this many files
     *     smaller than 75 % of the target size (Iceberg's bin-pack defaults); 0 turns compaction
     *     off
     */
    public record Parquet(
            String compression,
            long targetFileSize,
            long rowGroupSize,
            int pageRowLimit,
            int compactionMinFiles)
            implements Serializable {

        /** Files below this size are compacted (Iceberg's {@code min-file-size-bytes} default). */
        public long smallFileSize() {
            return targetFileSize / 4 * 3;
        }
    }

    public Table table(TableId id) {
        return tables.stream()
                .filter(t -> t.id().equals(id))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("table " + id + " is not configured"));
    }
}
