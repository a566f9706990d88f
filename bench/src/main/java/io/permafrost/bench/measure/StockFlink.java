package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.debezium.table.RowDataDebeziumDeserializeSchema;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * 5. Stock Flink: Flink CDC's {@code PostgresIncrementalSource} in snapshot mode (chunk key {@code
 * uploaded_date}: the {@code bytea} primary key cannot be split) with the stock {@code
 * RowDataDebeziumDeserializeSchema}, into Iceberg's own {@code FlinkSink} with default settings, on
 * a table partitioned by {@code day(uploaded_date)}. The stock deserializer refuses array columns,
 * so {@code failed_bundles} is left out of the row (and the result says so).
 */
public final class StockFlink implements Child.Measure {

    @Override
    public Params run(Params in) throws Exception {
        List<String> notes = new ArrayList<>();
        List<RowType.RowField> fields = new ArrayList<>();
        fields.add(field("data_item_id", new VarBinaryType(false, VarBinaryType.MAX_LENGTH)));
        fields.add(
                field("owner_public_address", new VarBinaryType(false, VarBinaryType.MAX_LENGTH)));
        fields.add(field("byte_count", new BigIntType(false)));
        fields.add(field("uploaded_date", new LocalZonedTimestampType(false, 6)));
        fields.add(field("assessed_winston_price", new DecimalType(false, 20, 0)));
        fields.add(field("plan_id", new VarCharType(false, VarCharType.MAX_LENGTH)));
        fields.add(field("planned_date", new LocalZonedTimestampType(false, 6)));
        fields.add(field("bundle_id", new VarBinaryType(VarBinaryType.MAX_LENGTH)));
        fields.add(field("permanent_date", new LocalZonedTimestampType(6)));
        fields.add(field("block_height", new IntType()));
        fields.add(field("data_start", new IntType()));
        fields.add(field("signature_type", new IntType())); // smallint, parsed by the INT converter
        fields.add(field("content_type", new VarCharType(VarCharType.MAX_LENGTH)));
        fields.add(field("premium_feature_type", new VarCharType(VarCharType.MAX_LENGTH)));
        fields.add(field("deadline_height", new IntType()));
        RowType rowType = new RowType(fields);

        // Does the stock deserializer take the bytea[] column? (It did not in 3.5.0.)
        List<RowType.RowField> withArray = new ArrayList<>(fields);
        withArray.add(
                12,
                field(
                        "failed_bundles",
                        new ArrayType(new VarBinaryType(VarBinaryType.MAX_LENGTH))));
        RowType full = new RowType(withArray);
        try {
            deserializer(full);
            rowType = full;
            notes.add("the stock deserializer accepted failed_bundles ARRAY<BYTES>");
        } catch (UnsupportedOperationException e) {
            notes.add(
                    "failed_bundles (bytea[]) NOT archived: the stock RowDataDebeziumDeserializeSchema refuses it ("
                            + e.getMessage()
                            + "), so the stock path ran on the row without that column");
        }

        String warehouse = Path.of(in.get("warehouse")).toAbsolutePath().toString();
        Map<String, String> catalogProps = Map.of("warehouse", warehouse);
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        TableIdentifier id = TableIdentifier.of("public", Pg.TABLE);
        String location;
        try (HadoopCatalog catalog = new HadoopCatalog(hadoop, warehouse)) {
            Schema schema = FlinkSchemaUtil.convert(FlinkSchemaUtil.toSchema(rowType));
            PartitionSpec spec = PartitionSpec.builderFor(schema).day("uploaded_date").build();
            location = catalog.createTable(id, schema, spec).location();
        }

        int parallelism = (int) in.getLong("parallelism");
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.set(
                CheckpointingOptions.CHECKPOINTING_INTERVAL,
                Duration.ofMillis(in.getLong("checkpoint.ms")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        PostgresIncrementalSource<RowData> source =
                PostgresIncrementalSource.<RowData>builder()
                        .hostname("localhost")
                        .port(Integer.parseInt(in.get("pg.port")))
                        .database(in.get("db"))
                        .schemaList("public")
                        .tableList("public." + Pg.TABLE)
                        .username("postgres")
                        .password("postgres")
                        .slotName(in.get("slot"))
                        .decodingPluginName("pgoutput")
                        .startupOptions(StartupOptions.snapshot())
                        .chunkKeyColumn("uploaded_date")
                        .deserializer(deserializer(rowType))
                        .build();
        DataStream<RowData> rows =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "postgres-cdc");
        FlinkSink.forRowData(rows)
                .tableLoader(
                        TableLoader.fromCatalog(
                                CatalogLoader.hadoop("bench", hadoop, catalogProps), id))
                .append();

        Child.Cpu cpu = Child.Cpu.start(in);
        long t0 = System.nanoTime();
        env.execute("stock flink-cdc -> iceberg FlinkSink");
        double seconds = (System.nanoTime() - t0) / 1e9;

        IcebergStats stats = IcebergStats.of(location);
        notes.add(
                String.format(
                        "parallelism %d, checkpoints every %d s, chunk key uploaded_date (indexed), default chunk size",
                        parallelism, in.getLong("checkpoint.ms") / 1000));
        return stats.into(cpu.stop(new Params()))
                .set("seconds", seconds)
                .set("notes", String.join("; ", notes));
    }

    private static RowType.RowField field(String name, LogicalType type) {
        return new RowType.RowField(name, type);
    }

    private static RowDataDebeziumDeserializeSchema deserializer(RowType rowType) {
        return RowDataDebeziumDeserializeSchema.newBuilder()
                .setPhysicalRowType(rowType)
                .setResultTypeInfo(InternalTypeInfo.of(rowType))
                .setServerTimeZone(ZoneOffset.UTC)
                .build();
    }
}
