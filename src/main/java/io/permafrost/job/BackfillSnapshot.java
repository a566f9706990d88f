package io.permafrost.job;

import io.permafrost.config.PermafrostConfig;
import io.permafrost.source.PgSnapshot;
import io.permafrost.source.SourceConnections;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import javax.annotation.Nullable;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL snapshot a backfill records with its commits ({@link
 * io.permafrost.iceberg.WindowCoverage}): taken before its reader exports the snapshot it reads, so
 * it sees no row the backfill did not read. A backfill that resumes after a kill reads its
 * remaining splits in a new snapshot, yet keeps the first one, kept beside its checkpoints: rows
 * read by the first attempt are as of then.
 */
final class BackfillSnapshot {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillSnapshot.class);
    static final String FILE = "source-snapshot";

    private BackfillSnapshot() {}

    /**
     * @return the snapshot to record; null when a resumed backfill finds none (checkpoints of an
     *     earlier version): its windows are then closed to a run's snapshot, as before
     */
    @Nullable
    static PgSnapshot choose(PermafrostConfig.Source source, String checkpointDir, boolean resuming)
            throws IOException, SQLException {
        Path file = new Path(checkpointDir, FILE);
        FileSystem fs = file.getFileSystem();
        if (resuming) {
            PgSnapshot kept = read(fs, file);
            if (kept == null) {
                LOG.warn(
                        "No readable {} beside the checkpoints of this backfill: a run will not"
                                + " read its windows' later rows again (verify finds them,"
                                + " replay repairs)",
                        file);
            }
            return kept;
        }
        PgSnapshot taken;
        try (Connection c = SourceConnections.open(source)) {
            taken = PgSnapshot.current(c);
        }
        fs.mkdirs(new Path(checkpointDir));
        try (OutputStream out = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
            out.write((taken + "\n").getBytes(StandardCharsets.UTF_8));
        }
        LOG.info("Backfill snapshot {} recorded with its window commits", taken);
        return taken;
    }

    @Nullable
    private static PgSnapshot read(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            return null;
        }
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            return line == null ? null : PgSnapshot.parse(line.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
