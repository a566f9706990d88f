package io.permafrost.cli;

import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.job.ArchiveReport;
import io.permafrost.job.ArchiveRunner;
import io.permafrost.storage.FileSystems;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole flow with no set-up: starts an embedded PostgreSQL (wal_level=logical), creates",
            "the permanent_data_items table with sample rows over the last three days, backfills them",
            "(one Iceberg snapshot per daily window), then archives live inserts and a late row for a",
            "while, and prints what it did and where to look."
        })
public final class DemoCommand implements Callable<Integer> {

    private static final String MARKER = ".permafrost-demo";

    /** The demo config's close_after: how long after its end a window waits for late rows. */
    static final Duration CLOSE_AFTER = Duration.ofMinutes(10);

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description =
                    "Where the demo writes its config and warehouse (default: ${DEFAULT-VALUE}). Emptied first if an earlier demo made it.",
            defaultValue = "permafrost-demo")
    Path dir;

    @Option(
            names = "--rows",
            description = "Sample rows over the last three days (default: ${DEFAULT-VALUE}).",
            defaultValue = "30000")
    int rows;

    @Option(
            names = "--live-seconds",
            description = "How long to archive live inserts (default: ${DEFAULT-VALUE}).",
            defaultValue = "30")
    int liveSeconds;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        prepareDir();
        out.println("Starting an embedded PostgreSQL 17 with wal_level=logical ...");
        out.flush();
        try (EmbeddedPostgres pg =
                EmbeddedPostgres.builder()
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_replication_slots", "10")
                        .setServerConfig("max_wal_senders", "10")
                        .start()) {
            LocalDate lastDay = lastClosedDay(Instant.now());
            LocalDate lateDay = lastDay.minusDays(1);
            try (Connection c = pg.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute(SCHEMA);
                s.execute(sampleRows(lastDay.minusDays(2), rows));
            }
            out.printf(
                    "Created public.permanent_data_items with %,d rows from %s to %s (UTC).%n",
                    rows, lastDay.minusDays(2), lastDay);
            Path config = writeConfig(pg.getPort());
            PermafrostConfig cfg = ConfigLoader.load(config);
            FileSystems.initialize(cfg);
            out.printf(
                    "Config: %s%n%n1. Backfill: snapshot of the table, one Iceberg snapshot per closed daily window%n",
                    config);
            out.flush();

            ArchiveRunner backfill =
                    new ArchiveRunner(cfg, new ArchiveRunner.Options(true, null, false));
            backfill.start().getJobExecutionResult().get();
            backfill.finishBounded();
            ArchiveReport.print(
                    ArchiveReport.read(backfill.plan().catalog(), backfill.plan().tables()), out);

            out.printf(
                    "%n2. Continuous: the WAL, with live inserts for %d s and one late row for %s%n",
                    liveSeconds, lateDay);
            out.flush();
            ArchiveRunner run =
                    new ArchiveRunner(cfg, new ArchiveRunner.Options(false, null, false));
            JobClient job = run.start();
            LocalDate liveDay = LocalDate.now(ZoneOffset.UTC);
            long live = insertLive(pg, lateDay, run);
            job.cancel().get();
            try {
                job.getJobExecutionResult().get();
            } catch (java.util.concurrent.ExecutionException cancelled) {
                // the job was cancelled: that is how the demo stops it
            }
            out.printf(
                    "Archived %d live rows into today's window: its Parquet files are in data/%s and it%n"
                            + "becomes one Iceberg snapshot when the database clock passes its end plus close_after.%n",
                    live,
                    String.format(
                            "year=%04d/month=%02d/day=%02d",
                            liveDay.getYear(), liveDay.getMonthValue(), liveDay.getDayOfMonth()));
            ArchiveReport.print(ArchiveReport.read(run.plan().catalog(), run.plan().tables()), out);

            Path warehouse = dir.resolve("warehouse").toAbsolutePath();
            out.printf("%nWhere to look:%n");
            out.printf(
                    "  Iceberg table (Hadoop catalog): %s/public/permanent_data_items%n",
                    warehouse);
            out.printf(
                    "  Parquet files, Hive-style:       %s/public/permanent_data_items/data/year=*/month=*/day=*/%n",
                    warehouse);
            out.printf(
                    "  DuckDB: SELECT count(*) FROM read_parquet('%s/public/permanent_data_items/data/**/*.parquet', hive_partitioning=true);%n",
                    warehouse);
            out.printf("  Checkpoints: %s/_flink/checkpoints%n", warehouse);
            out.flush();
        }
        return ExitCodes.OK;
    }

    /**
     * Inserts live rows once the job streams the WAL (so that they are changes, not snapshot
     * reads), plus one late row, then waits until the late row's amendment is in Iceberg.
     */
    private long insertLive(EmbeddedPostgres pg, LocalDate lateDay, ArchiveRunner run)
            throws Exception {
        long inserted = 0;
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            await(
                    "the job to stream the WAL",
                    () -> {
                        try (ResultSet rs =
                                s.executeQuery(
                                        "SELECT active FROM pg_replication_slots WHERE slot_name = 'permafrost_demo'")) {
                            return rs.next() && rs.getBoolean(1);
                        }
                    });
            s.execute(liveRows(1, "timestamptz '" + lateDay + " 12:00:00+00'"));
            long deadline = System.currentTimeMillis() + liveSeconds * 1000L;
            while (System.currentTimeMillis() < deadline) {
                s.execute(liveRows(100, "now()"));
                inserted += 100;
                Thread.sleep(1000);
            }
        }
        String window =
                String.format(
                        "year=%04d/month=%02d/day=%02d",
                        lateDay.getYear(), lateDay.getMonthValue(), lateDay.getDayOfMonth());
        await(
                "the late row's amendment of " + window,
                () ->
                        ArchiveReport.read(run.plan().catalog(), run.plan().tables()).stream()
                                .flatMap(t -> t.windows().stream())
                                .anyMatch(w -> w.window().equals(window) && w.snapshots() > 1));
        return inserted;
    }

    /**
     * The last day whose window is closed at {@code now}: a daily window closes once the clock
     * passes its end plus {@link #CLOSE_AFTER}, so just after midnight yesterday is still open.
     */
    static LocalDate lastClosedDay(Instant now) {
        return LocalDate.ofInstant(now.minus(CLOSE_AFTER), ZoneOffset.UTC).minusDays(1);
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private void await(String what, Condition condition) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        while (!condition.met()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("gave up after 3 minutes waiting for " + what);
            }
            Thread.sleep(500);
        }
    }

    private void prepareDir() throws IOException {
        if (Files.exists(dir)) {
            if (!Files.exists(dir.resolve(MARKER))) {
                throw new io.permafrost.config.ConfigException(
                        "--dir",
                        dir.toAbsolutePath() + " exists and was not made by 'permafrost demo'",
                        "pass --dir with a new or empty directory");
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve(MARKER), "made by permafrost demo at " + Instant.now() + "\n");
    }

    private Path writeConfig(int port) throws IOException {
        Path config = dir.resolve("permafrost.yaml");
        Files.writeString(
                config,
                "# Written by 'permafrost demo'; a starting point for your own config.\n"
                        + "source:\n"
                        + "  host: localhost\n"
                        + "  port: "
                        + port
                        + "\n"
                        + "  database: postgres\n"
                        + "  user: postgres\n"
                        + "  password: ${PGPASSWORD:=postgres}\n"
                        + "  slot: permafrost_demo\n"
                        + "  heartbeat_interval: 1s\n"
                        + "tables:\n"
                        + "  - name: public.permanent_data_items\n"
                        + "    window: {column: uploaded_date, granularity: daily}\n"
                        + "    close_after: "
                        + CLOSE_AFTER.toMinutes()
                        + "m\n"
                        + "warehouse: ./warehouse\n"
                        + "job:\n"
                        + "  parallelism: 2\n"
                        + "  checkpoint_interval: 3s\n");
        return config;
    }

    /**
     * The permanent_data_items table of the users' ETL scripts (its "Data Schema"). Public for the
     * benchmark harness (bench/), which archives the same table.
     */
    public static final String SCHEMA =
            "CREATE TABLE permanent_data_items ("
                    + " data_item_id bytea PRIMARY KEY,"
                    + " owner_public_address bytea NOT NULL,"
                    + " byte_count bigint NOT NULL,"
                    + " uploaded_date timestamptz NOT NULL,"
                    + " assessed_winston_price numeric(20,0) NOT NULL,"
                    + " plan_id uuid NOT NULL,"
                    + " planned_date timestamptz NOT NULL,"
                    + " bundle_id bytea,"
                    + " permanent_date timestamptz,"
                    + " block_height integer,"
                    + " data_start integer,"
                    + " signature_type smallint,"
                    + " failed_bundles bytea[],"
                    + " content_type varchar,"
                    + " premium_feature_type varchar,"
                    + " deadline_height integer);"
                    + "CREATE INDEX permanent_data_items_uploaded_date ON permanent_data_items (uploaded_date);"
                    + "ALTER TABLE permanent_data_items REPLICA IDENTITY FULL;";

    static String sampleRows(LocalDate from, int n) {
        return sampleRows(from, 3, 1, n, n);
    }

    /**
     * Rows {@code first..last} of {@code total} sample rows whose {@code uploaded_date} is spread
     * evenly over {@code days} days from {@code from} (UTC); ~20 % NULLs in each nullable column.
     * Used by the demo and, in batches, by the benchmark harness (bench/).
     */
    public static String sampleRows(LocalDate from, int days, long first, long last, long total) {
        String spread =
                " 00:00:00+00' + (g::float8 / " + (total + 1) + ") * interval '" + days + " days'";
        return "INSERT INTO permanent_data_items SELECT"
                + " sha256(('item' || g)::bytea),"
                + " sha256(('owner' || (g % 97))::bytea),"
                + " (g::bigint * 7919) % 10000000,"
                + " timestamptz '"
                + from
                + spread
                + ","
                + " ((g::bigint * 104729) % 1000000000)::numeric * 1000000,"
                + " md5('plan' || (g % 13))::uuid,"
                + " timestamptz '"
                + from
                + spread
                + " + interval '5 minutes',"
                + " CASE WHEN g % 5 = 0 THEN NULL ELSE sha256(('bundle' || (g / 100))::bytea) END,"
                + " CASE WHEN g % 5 = 1 THEN NULL ELSE timestamptz '"
                + from
                + spread
                + " + interval '1 hour' END,"
                + " 1500000 + g / 50,"
                + " CASE WHEN g % 5 = 2 THEN NULL ELSE g % 4096 END,"
                + " CASE WHEN g % 5 = 3 THEN NULL ELSE (g % 4)::smallint END,"
                + " CASE WHEN g % 5 = 4 THEN NULL ELSE ARRAY[sha256(('failed' || g)::bytea)] END,"
                + " CASE WHEN g % 5 = 0 THEN NULL ELSE (ARRAY['image/png','application/json','text/html'])[g % 3 + 1] END,"
                + " CASE WHEN g % 5 = 1 THEN NULL ELSE 'default' END,"
                + " CASE WHEN g % 5 = 2 THEN NULL ELSE 1500000 + g / 50 + 200 END"
                + " FROM generate_series("
                + first
                + ", "
                + last
                + ") g";
    }

    static String liveRows(int n, String uploaded) {
        return "INSERT INTO permanent_data_items SELECT"
                + " sha256(('live' || clock_timestamp() || g)::bytea), sha256('owner'::bytea), g, "
                + uploaded
                + ","
                + " 1000, md5('plan')::uuid, now(), NULL, NULL, NULL, NULL, NULL, NULL, 'text/plain', NULL, NULL"
                + " FROM generate_series(1, "
                + n
                + ") g";
    }
}
