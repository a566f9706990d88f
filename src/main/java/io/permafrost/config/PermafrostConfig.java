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
        Delete delete)
        implements Serializable {

    /** The PostgreSQL database and its logical replication resources. */
    public record Source(
            String host,
            int port,
            String database,
            String user,
            String password,
            String slot,
            String publication,
            Duration heartbeatInterval,
            int chunkSize)
            implements Serializable {

        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
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
     * microseconds for time windows, column units for range windows.
     */
    public record Table(
            TableId id,
            WindowSpec window,
            long closeAfter,
            String chunkKey,
            List<String> keyColumns,
            long retention)
            implements Serializable {}

    /** Verification: where to report failures, how many differing keys to name. */
    public record Verify(String webhookUrl, int exampleKeys, Duration followInterval)
            implements Serializable {}

    /** Deletion: what happens to a detached partition that equals its window (drop or detach). */
    public record Delete(String partitions) implements Serializable {}

    /** The Iceberg catalog: {@code type} is hadoop, jdbc or rest; properties go to Iceberg. */
    public record Catalog(String type, String name, Map<String, String> properties)
            implements Serializable {}

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
    public record Parquet(String compression, long targetFileSize, long rowGroupSize)
            implements Serializable {}

    public Table table(TableId id) {
        return tables.stream()
                .filter(t -> t.id().equals(id))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("table " + id + " is not configured"));
    }
}
