package io.permafrost.replay;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.storage.FileSystems;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.apache.iceberg.DataFile;

/** Re-exports windows from PostgreSQL as a bounded Flink job, parallel across windows. */
public final class ReplayJob {

    private ReplayJob() {}

    /** The files written per task, in task order. */
    public static List<List<DataFile>> export(
            PermafrostConfig config, List<ArchiveTable> tables, List<ReplayTask> tasks)
            throws Exception {
        FileSystems.initialize(config); // no-op when the CLI already did
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, config.job().parallelism());
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        List<ReplayTask> all = new ArrayList<>(tasks);
        List<byte[]> results = new ArrayList<>();
        env.fromSequence(0, all.size() - 1)
                .setParallelism(1)
                .rebalance()
                .map(i -> all.get(i.intValue()))
                .returns(TypeInformation.of(ReplayTask.class))
                .map(new ReplayFunction(config, tables))
                .returns(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .name("re-export windows")
                .setParallelism(config.job().parallelism())
                .executeAndCollect("permafrost replay")
                .forEachRemaining(results::add);
        List<List<DataFile>> out = new ArrayList<>();
        for (byte[] b : results) {
            out.add(InstantiationUtil.deserializeObject(b, DataFile.class.getClassLoader()));
        }
        return out;
    }
}
