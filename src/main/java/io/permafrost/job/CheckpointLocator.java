package io.permafrost.job;

import io.permafrost.storage.Listing;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the newest complete retained checkpoint below a job's checkpoint directory ({@code
 * <dir>/<flink-job-id>/chk-<n>/_metadata}); a checkpoint without {@code _metadata} was cut off
 * mid-way and is skipped.
 */
public final class CheckpointLocator {

    private CheckpointLocator() {}

    public static Optional<String> latest(String checkpointDir) throws IOException {
        Path root = new Path(checkpointDir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return Optional.empty();
        }
        String best = null;
        long bestTime = Long.MIN_VALUE;
        for (FileStatus job : Listing.children(fs, root)) {
            if (!job.isDir()) {
                continue;
            }
            for (FileStatus chk : Listing.children(fs, job.getPath())) {
                if (!chk.isDir() || !chk.getPath().getName().startsWith("chk-")) {
                    continue;
                }
                Path metadata = new Path(chk.getPath(), "_metadata");
                if (fs.exists(metadata)) {
                    long t = fs.getFileStatus(metadata).getModificationTime();
                    if (t > bestTime) {
                        bestTime = t;
                        best = chk.getPath().toString();
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Removes every checkpoint below a job's checkpoint directory, the {@code _metadata} files
     * first: a kill in the middle leaves no checkpoint that {@link #latest} would pick and that
     * lacks its files. For a finished backfill, whose interrupted attempts left checkpoints behind:
     * the next backfill must not resume one of them (their splits are read, it would read nothing).
     *
     * @return how many checkpoints were removed
     */
    public static int removeAll(String checkpointDir) throws IOException {
        Path root = new Path(checkpointDir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return 0;
        }
        int removed = 0;
        for (FileStatus job : Listing.children(fs, root)) {
            if (!job.isDir()) {
                continue;
            }
            for (FileStatus chk : Listing.children(fs, job.getPath())) {
                Path metadata = new Path(chk.getPath(), "_metadata");
                if (chk.isDir() && fs.exists(metadata)) {
                    fs.delete(metadata, false);
                    removed++;
                }
            }
        }
        for (FileStatus entry : Listing.children(fs, root)) {
            fs.delete(entry.getPath(), true);
        }
        return removed;
    }
}
