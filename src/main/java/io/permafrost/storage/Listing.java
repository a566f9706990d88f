package io.permafrost.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Lists a directory that other writers change meanwhile. Flink's local file system lists names and
 * then asks each name's status, so a file renamed or deleted in between (FileSink committing a part
 * file, a compaction deleting what it replaced, a manifest moved into place) fails the whole
 * listing with {@link FileNotFoundException}; such a listing is simply taken again.
 */
public final class Listing {

    private static final int ATTEMPTS = 20;

    private Listing() {}

    /** The entries of {@code dir}; none when it does not exist. */
    public static FileStatus[] children(FileSystem fs, Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                FileStatus[] children = fs.listStatus(dir);
                return children == null ? new FileStatus[0] : children;
            } catch (FileNotFoundException e) {
                if (!fs.exists(dir)) {
                    return new FileStatus[0];
                }
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
