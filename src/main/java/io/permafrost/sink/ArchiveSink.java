package io.permafrost.sink;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.iceberg.WindowCommitOperator;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.source.PgSnapshot;
import java.io.IOException;
import java.util.Collection;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.sink.FileSinkCommittable;
import org.apache.flink.connector.file.sink.writer.FileWriterBucketState;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.table.data.RowData;

/**
 * The archive sink of one table: Flink's exactly-once {@link FileSink} writing Parquet into one
 * Hive-style directory per window, followed by the {@link WindowCommitOperator} that appends the
 * committed files of closed windows to Iceberg.
 *
 * <pre>
 *   rows ─► FileSink writer ─► FileSink committer ─► (global, p=1) window committer ─► Iceberg
 *           (rolls on checkpoint      (renames files after       (one snapshot per window)
 *            and by size)              the checkpoint completes)
 * </pre>
 *
 * FileSink cannot be subclassed and has no post-commit hook, so this class delegates to it and adds
 * one; Flink wires sinks by the interfaces they implement.
 */
public final class ArchiveSink
        implements Sink<RowData>,
                SupportsWriterState<RowData, FileWriterBucketState>,
                SupportsWriterState.WithCompatibleState,
                SupportsCommitter<FileSinkCommittable>,
                SupportsPostCommitTopology<FileSinkCommittable> {

    private static final long serialVersionUID = 1L;

    private final FileSink<RowData> files;
    private final ArchiveTable table;
    private final CatalogSpec catalog;
    private final long closeLimit;
    private final PermafrostConfig.Parquet parquet;
    private final String warehouse;
    @Nullable private final PgSnapshot sourceSnapshot;

    /**
     * @param warehouse the configured warehouse, where the window manifests are
     * @param idleRollMillis roll a window's part file once the window had no row for this long; 0:
     *     only by size and at checkpoints (see {@link SizeRollingPolicy})
     * @param sourceSnapshot a backfill's: recorded with every window commit; null for a run
     */
    public ArchiveSink(
            ArchiveTable table,
            PermafrostConfig.Parquet parquet,
            CatalogSpec catalog,
            long closeLimit,
            String warehouse,
            long idleRollMillis,
            @Nullable PgSnapshot sourceSnapshot) {
        this.table = table;
        this.sourceSnapshot = sourceSnapshot;
        this.catalog = catalog;
        this.closeLimit = closeLimit;
        this.parquet = parquet;
        this.warehouse = warehouse;
        SizeRollingPolicy rolling = new SizeRollingPolicy(parquet.targetFileSize(), idleRollMillis);
        this.files =
                FileSink.forBulkFormat(
                                new Path(table.dataLocation()),
                                new ParquetWriterFactory(
                                        table.schema(), table.rowType(), table.columns(), parquet))
                        .withBucketAssigner(
                                new WindowBucketAssigner(
                                        table.window(), table.windowColumn(), table.windowKind()))
                        .withRollingPolicy(rolling)
                        .withBucketCheckInterval(rolling.checkIntervalMillis())
                        .withOutputFileConfig(
                                OutputFileConfig.builder()
                                        .withPartPrefix("part")
                                        .withPartSuffix(".parquet")
                                        .build())
                        .build();
    }

    /** Stable uid of the window committer of a table (state is restored by it). */
    public static String committerUid(ArchiveTable table) {
        return "permafrost-window-committer-" + table.id().flatName();
    }

    @Override
    @Deprecated
    public SinkWriter<RowData> createWriter(InitContext context) {
        throw new UnsupportedOperationException("use createWriter(WriterInitContext)");
    }

    @Override
    public StatefulSinkWriter<RowData, FileWriterBucketState> createWriter(
            WriterInitContext context) throws IOException {
        return files.createWriter(context);
    }

    @Override
    public StatefulSinkWriter<RowData, FileWriterBucketState> restoreWriter(
            WriterInitContext context, Collection<FileWriterBucketState> recovered)
            throws IOException {
        return files.restoreWriter(context, recovered);
    }

    @Override
    public SimpleVersionedSerializer<FileWriterBucketState> getWriterStateSerializer() {
        return files.getWriterStateSerializer();
    }

    @Override
    public Collection<String> getCompatibleWriterStateNames() {
        return files.getCompatibleWriterStateNames();
    }

    @Override
    public Committer<FileSinkCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        return files.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<FileSinkCommittable> getCommittableSerializer() {
        return files.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(
            DataStream<CommittableMessage<FileSinkCommittable>> committables) {
        committables
                .global()
                .transform(
                        "window committer " + table.id(),
                        BasicTypeInfo.VOID_TYPE_INFO,
                        new WindowCommitOperator(
                                table, catalog, closeLimit, parquet, warehouse, sourceSnapshot))
                .uid(committerUid(table))
                .setParallelism(1)
                .setMaxParallelism(1);
    }
}
