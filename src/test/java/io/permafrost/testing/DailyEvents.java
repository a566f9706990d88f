package io.permafrost.testing;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.DataFileRef;
import io.permafrost.job.ArchivePlan;
import io.permafrost.model.Window;
import io.permafrost.schema.ArchiveTable;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * A table {@code events (id bigint, at timestamptz)} in a fresh database, archived in daily windows
 * to an Iceberg table on the local disk (Hadoop catalog), for tests of the committing side.
 */
public final class DailyEvents {

    private static final Instant DAY = Instant.parse("2024-05-01T00:00:00Z");

    public final PermafrostConfig config;
    public final ArchivePlan plan;
    public final ArchiveTable archive;
    public final Catalog catalog;
    public final Table table;

    public DailyEvents(Path dir, String database) {
        String db = EmbeddedPostgres.newDatabase(database);
        EmbeddedPostgres.execute(
                db, "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL)");
        config =
                ConfigLoader.load(
                        TestConfig.write(
                                dir,
                                db,
                                "  - name: events\n    window: {column: at, granularity: daily}\n",
                                ""));
        plan = ArchivePlan.prepare(config);
        archive = plan.groups().get(0).tables().get(0);
        catalog = plan.catalog().open();
        table = loadTable();
    }

    /** Another table object of the same table (as a second thread or job has). */
    public Table loadTable() {
        return catalog.loadTable(ArchiveTables.identifier(archive.id()));
    }

    /** The window of 2024-05-01 plus {@code n} days. */
    public Window day(int n) {
        return archive.window().windowOf(DAY.plusSeconds(86_400L * n).toEpochMilli() * 1000);
    }

    /** A committed file of window {@code day} with ids {@code firstId ..}, {@code rows} rows. */
    public DataFileRef file(int day, long firstId, int rows) throws Exception {
        return WindowFiles.write(archive, config.parquet(), day(day), firstId, rows);
    }

    public long rowsInTable() {
        table.refresh();
        return Long.parseLong(table.currentSnapshot().summary().get("total-records"));
    }
}
