package io.permafrost.verify;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.job.CollectAll;
import io.permafrost.schema.ArchiveTable;
import io.permafrost.storage.FileSystems;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * The verification side job: windows are verified in parallel across the job's subtasks, one window
 * at a time per subtask, streaming both sides so memory does not grow with window size.
 *
 * <pre>
 *  bounded:  committed windows ─► rebalance ─► VerifyFunction (p = job.parallelism) ─► outcomes
 *  --follow: WindowPoller (p=1) ─► rebalance ─► VerifyFunction                     ─► log
 * </pre>
 */
public final class VerifyJob {

    private VerifyJob() {}

    /** Windows of the archive that pass the filter, as tasks. */
    public static List<VerifyTask> tasks(
            PermafrostConfig config,
            List<ArchiveTable> tables,
            WindowFilter filter,
            boolean force) {
        Catalog catalog = CatalogSpec.of(config.catalog()).open();
        List<VerifyTask> tasks = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            ArchiveTable at = tables.get(i);
            Table t = catalog.loadTable(ArchiveTables.identifier(at.id()));
            for (CommittedWindow cw : ArchiveCatalogView.windows(at, t).values()) {
                if (filter.test(at, at.window().parsePath(cw.window()))) {
                    tasks.add(new VerifyTask(i, cw, force));
                }
            }
        }
        return tasks;
    }

    public static List<WindowVerifier.Outcome> runBounded(
            PermafrostConfig config, List<ArchiveTable> tables, List<VerifyTask> tasks)
            throws Exception {
        if (tasks.isEmpty()) {
            return List.of();
        }
        StreamExecutionEnvironment env = environment(config, RuntimeExecutionMode.BATCH);
        List<VerifyTask> all = new ArrayList<>(tasks);
        return CollectAll.of(
                env.fromSequence(0, all.size() - 1)
                        .setParallelism(1)
                        .rebalance()
                        .map(i -> all.get(i.intValue()))
                        .returns(TypeInformation.of(VerifyTask.class))
                        .map(new VerifyFunction(config, tables))
                        .returns(TypeInformation.of(WindowVerifier.Outcome.class))
                        .name("verify windows"),
                "permafrost verify",
                all.size(),
                "windows");
    }

    public static void follow(
            PermafrostConfig config, List<ArchiveTable> tables, WindowFilter filter)
            throws Exception {
        StreamExecutionEnvironment env = environment(config, RuntimeExecutionMode.STREAMING);
        env.addSource(
                        new WindowPoller(config, tables, filter),
                        "committed windows",
                        TypeInformation.of(VerifyTask.class))
                .setParallelism(1)
                .rebalance()
                .map(new VerifyFunction(config, tables))
                .returns(TypeInformation.of(WindowVerifier.Outcome.class))
                .name("verify windows")
                .print();
        env.execute("permafrost verify --follow");
    }

    private static StreamExecutionEnvironment environment(
            PermafrostConfig config, RuntimeExecutionMode mode) {
        FileSystems.initialize(config); // no-op when the CLI already did
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, config.job().parallelism());
        conf.set(ExecutionOptions.RUNTIME_MODE, mode);
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
}
