package io.permafrost.replay;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.CollectAll;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.storage.FileSystems;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.apache.iceberg.DataFile;

/** Re-exports windows from PostgreSQL as a bounded Flink job, parallel across windows. */
public final class ReplayJob {

    private ReplayJob() {}

    /**
     * The files written for each task's window, by window path. Windows are exported in parallel
     * and finish in any order, so every result names its window.
     */
    public static Map<String, List<DataFile>> export(
            PermafrostConfig config, List<ArchiveTable> tables, List<ReplayTask> tasks)
            throws Exception {
        FileSystems.initialize(config); // no-op when the CLI already did
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, config.job().parallelism());
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        List<ReplayTask> all = new ArrayList<>(tasks);
        DataStream<byte[]> exported =
                env.fromSequence(0, all.size() - 1)
                        .setParallelism(1)
                        .rebalance()
                        .map(i -> all.get(i.intValue()))
                        .returns(TypeInformation.of(ReplayTask.class))
                        .map(new ReplayFunction(config, tables))
                        .returns(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                        .name("re-export windows")
                        .setParallelism(config.job().parallelism());
        Map<String, List<DataFile>> out = new HashMap<>();
        for (byte[] b : CollectAll.of(exported, "permafrost replay", all.size(), "windows")) {
            ReplayFunction.Exported e =
                    InstantiationUtil.deserializeObject(b, DataFile.class.getClassLoader());
            out.put(e.window(), e.files());
        }
        for (ReplayTask t : all) {
            if (!out.containsKey(t.window())) {
                throw new IllegalStateException(
                        "permafrost replay received no files for window "
                                + t.window()
                                + "; nothing was replaced, run it again");
            }
        }
        return out;
    }
}
