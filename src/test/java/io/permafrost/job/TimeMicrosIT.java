package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.permafrost.testing.Archive;
import io.permafrost.testing.Cli;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time columns keep their microseconds ({@code time}, {@code time(6)}) or milliseconds ({@code
 * time(3)}) through binary COPY, the pgoutput stream and compaction, and verify; Flink CDC, which
 * would read microseconds as milliseconds, is refused for them; PostgreSQL's {@code 24:00:00},
 * which an Iceberg time cannot hold, stops the job with the row's column named.
 */
class TimeMicrosIT {

    static final String[] SCHEMA = {
        "CREATE TABLE readings (id bigint PRIMARY KEY, t time, t6 time(6), t3 time(3), t0"
                + " time(0))",
        "ALTER TABLE readings REPLICA IDENTITY FULL",
        "INSERT INTO readings SELECT g, time '00:00:00.000001' + g * interval '1 second"
                + " 1 microsecond', time '23:59:59.999999' - g * interval '1 microsecond',"
                + " time '08:00:00.125' + g * interval '1 millisecond', time '09:30:00'"
                + " FROM generate_series(0, 149) g",
        "UPDATE readings SET t = NULL, t6 = NULL, t3 = NULL, t0 = NULL WHERE id = 50"
    };

    static final String TABLE = "  - name: readings\n    window: {column: id, range: 100}\n";

    @TempDir Path dir;

    @Test
    void microsecondsArchiveThroughCopyPgoutputAndCompaction() throws Exception {
        String db = EmbeddedPostgres.newDatabase("time_micros");
        EmbeddedPostgres.execute(db, SCHEMA);
        Path config = TestConfig.write(dir, db, TABLE, "parquet:\n  compaction_min_files: 2\n");

        Cli backfill = Cli.run("backfill", "-c", config.toString());
        assertThat(backfill.code).as("%s", backfill).isZero();
        Archive archive = new Archive(dir.resolve("warehouse"), "readings");
        assertThat(archive.commits()).containsExactly("window id=0-99 100");
        Types.StructType schema = archive.table().schema().asStruct();
        for (String c : List.of("t", "t6", "t3", "t0")) {
            assertThat(schema.fieldType(c)).isEqualTo(Types.TimeType.get());
        }
        assertThat(times(archive.records(), 7L))
                .containsExactly(
                        LocalTime.parse("00:00:07.000008"),
                        LocalTime.parse("23:59:59.999992"),
                        LocalTime.parse("08:00:00.132"),
                        LocalTime.parse("09:30:00"));
        assertThat(times(archive.records(), 50L)).containsOnlyNulls();

        JobClient run = ContinuousIT.startRun(config);
        Path windowDir = dir.resolve("warehouse/public/readings/data/id=200-299");
        try {
            ContinuousIT.awaitStreaming(db);
            // Two checkpoints, two files: the closed window is compacted.
            for (int batch = 0; batch < 2; batch++) {
                EmbeddedPostgres.execute(
                        db,
                        "INSERT INTO readings SELECT g, time '12:00:00.123456' + g * interval '1"
                                + " microsecond', time '00:00:00', time '00:00:00.001', NULL"
                                + " FROM generate_series("
                                + (200 + batch * 10)
                                + ", "
                                + (209 + batch * 10)
                                + ") g");
                int files = batch + 1;
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> ContinuousIT.countParquet(windowDir) >= files);
            }
            EmbeddedPostgres.execute(
                    db, "INSERT INTO readings VALUES (300, '23:59:59.999999', NULL, NULL, NULL)");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(
                            () ->
                                    assertThat(archive.commits())
                                            .contains(
                                                    "window id=200-299 20",
                                                    "compaction id=200-299 20"));
        } finally {
            run.cancel().get();
        }
        List<Record> records = archive.records();
        assertThat(times(records, 215L))
                .containsExactly(
                        LocalTime.parse("12:00:00.123671"),
                        LocalTime.MIDNIGHT,
                        LocalTime.parse("00:00:00.001"),
                        null);
        assertThat(records).hasSize(150 + 20); // window 300-399 is open

        Cli verify = Cli.run("verify", "-c", config.toString());
        assertThat(verify.code).as("%s", verify).isZero();
    }

    @Test
    void flinkCdcIsRefusedForMicrosecondsAndTwentyFourOClockStopsTheBackfill() throws Exception {
        String db = EmbeddedPostgres.newDatabase("time_micros_refused");
        EmbeddedPostgres.execute(db, SCHEMA);
        Path cdcSnapshot = TestConfig.write(dir, db, TABLE, "", "  snapshot_reader: cdc\n");
        Cli backfill = Cli.run("backfill", "-c", cdcSnapshot.toString());
        assertThat(backfill.code).as("%s", backfill).isEqualTo(2);
        assertThat(backfill.err)
                .contains("readings.t has type time(6)")
                .contains("source.snapshot_reader: copy");
        Path cdcStream = TestConfig.write(dir, db, TABLE, "", "  stream_reader: cdc\n");
        Cli run = Cli.run("run", "-c", cdcStream.toString());
        assertThat(run.code).as("%s", run).isEqualTo(2);
        assertThat(run.err)
                .contains("readings.t has type time(6)")
                .contains("stream_reader is cdc");
        assertThat(new Archive(dir.resolve("warehouse"), "readings").exists()).isFalse();

        EmbeddedPostgres.execute(db, "UPDATE readings SET t3 = '24:00:00' WHERE id = 42");
        Cli endOfDay = Cli.run("backfill", "-c", TestConfig.write(dir, db, TABLE, "").toString());
        assertThat(endOfDay.code).as("%s", endOfDay).isNotZero();
        assertThat(endOfDay.err).contains("column t3 holds 24:00:00");
    }

    private static List<Object> times(List<Record> records, long id) {
        Record r =
                records.stream().filter(x -> x.getField("id").equals(id)).findFirst().orElseThrow();
        return java.util.Arrays.asList(
                r.getField("t"), r.getField("t6"), r.getField("t3"), r.getField("t0"));
    }
}
