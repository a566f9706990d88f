package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.permafrost.config.ConfigException;
import io.permafrost.config.ConfigLoader;
import io.permafrost.config.PermafrostConfig.StreamReader;
import io.permafrost.testing.Archive;
import io.permafrost.testing.Blocks;
import io.permafrost.testing.EmbeddedPostgres;
import io.permafrost.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.stream_reader: auto} (the default) keeps the reader a run's checkpoint was written
 * by, refuses an explicit reader that cannot resume it, and takes pgoutput for a new run.
 */
public class StreamReaderResumeIT {

    @TempDir Path dir;
    private String db;

    @Test
    void aResumedRunKeepsItsReaderAndANewRunTakesPgoutput() throws Exception {
        db = EmbeddedPostgres.newDatabase("reader_resume");
        Blocks.create(db, 25);
        Archive archive = new Archive(dir.resolve("warehouse"), "blocks");
        List<String> expected = new ArrayList<>();

        // 1. A run started with Flink CDC's reader, stopped after windows were committed.
        ArchiveRunner cdc = runner(config("  stream_reader: cdc\n"), false);
        JobClient job = cdc.start();
        assertThat(cdc.plan().config().source().streamReader()).isEqualTo(StreamReader.CDC);
        try {
            ContinuousIT.awaitStreaming(db);
            Blocks.insert(db, 25, 34);
            expected.addAll(
                    List.of(
                            "window height=0-9 10",
                            "window height=10-19 10",
                            "window height=20-29 10"));
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertThat(archive.commits()).isEqualTo(expected));
        } finally {
            job.cancel().get();
        }
        Blocks.insert(db, 35, 45); // while the job is stopped

        // 2. Asked for the other reader, the run refuses before it starts, naming the fix.
        assertThatThrownBy(() -> runner(config("  stream_reader: pgoutput\n"), false).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.stream_reader")
                .hasMessageContaining("was written by the cdc reader")
                .hasMessageContaining("permafrost run --fresh");

        // 3. With the default (auto) it resumes with the reader of its checkpoint: no new
        // snapshot, the rows inserted while it was stopped archived once.
        ArchiveRunner auto = runner(config(""), false);
        job = auto.start();
        assertThat(auto.plan().config().source().streamReader()).isEqualTo(StreamReader.CDC);
        try {
            expected.add("window height=30-39 10");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertThat(archive.commits()).isEqualTo(expected));
        } finally {
            job.cancel().get();
        }
        Blocks.insert(db, 46, 55);

        // 4. Started over (--fresh), the default takes pgoutput: a new slot and snapshot; the
        // windows already committed are not written again.
        ArchiveRunner fresh = runner(config(""), true);
        job = fresh.start();
        assertThat(fresh.plan().config().source().streamReader()).isEqualTo(StreamReader.PGOUTPUT);
        try {
            // only streamed rows move a height frontier (snapshot rows do not)
            ContinuousIT.awaitStreaming(db);
            Blocks.insert(db, 56, 59);
            expected.add("window height=40-49 10");
            await().atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertThat(archive.commits()).isEqualTo(expected));
        } finally {
            job.cancel().get();
        }
        assertThat(archive.records())
                .extracting(r -> r.getField("height"))
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 50).boxed().toList());
    }

    @Test
    void autoReadsWithFlinkCdcWhereTheOwnReaderCannotAndAnExplicitPgoutputIsRefused()
            throws Exception {
        db = EmbeddedPostgres.newDatabase("reader_fallback");
        Blocks.create(db, 0);
        // binary COPY of a parent reads only its own rows: pgoutput cannot read this one
        // a child's REPLICA IDENTITY is its own: the preflight checks it like the parent's
        EmbeddedPostgres.execute(
                db,
                "CREATE TABLE blocks_old () INHERITS (blocks)",
                "ALTER TABLE blocks_old REPLICA IDENTITY FULL");

        assertThatThrownBy(() -> runner(config("  stream_reader: pgoutput\n"), false).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.stream_reader")
                .hasMessageContaining("pgoutput cannot read these tables")
                .hasMessageContaining("inheritance")
                .hasMessageContaining("use stream_reader: cdc");

        ArchiveRunner auto = runner(config(""), false);
        JobClient job = auto.start();
        try {
            assertThat(auto.plan().config().source().streamReader()).isEqualTo(StreamReader.CDC);
            assertThat(auto.plan().pgoutputUnfit()).contains("inheritance");
        } finally {
            job.cancel().get();
        }
    }

    private Path config(String sourceExtra) {
        return TestConfig.write(dir, db, Blocks.TABLE_YAML, "", sourceExtra);
    }

    private static ArchiveRunner runner(Path config, boolean fresh) {
        return new ArchiveRunner(
                ConfigLoader.load(config), new ArchiveRunner.Options(false, null, fresh));
    }
}
