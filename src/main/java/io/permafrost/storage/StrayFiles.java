package io.permafrost.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Removes files one writer left in a window directory that the table does not hold: the output of a
 * compaction or a replay that never committed, which readers of the directory must not see.
 */
public final class StrayFiles {

    private StrayFiles() {}

    /**
     * Deletes the files directly in {@code dir} whose names start with {@code prefix} and whose
     * paths (Flink's normal form) are not in {@code keep}.
     *
     * @return the deleted paths
     */
    public static List<Path> delete(Path dir, String prefix, Set<String> keep) throws IOException {
        FileSystem fs = dir.getFileSystem();
        List<Path> deleted = new ArrayList<>();
        for (FileStatus c : Listing.children(fs, dir)) {
            if (c.getPath().getName().startsWith(prefix)
                    && !keep.contains(c.getPath().toString())) {
                fs.delete(c.getPath(), false);
                deleted.add(c.getPath());
            }
        }
        return deleted;
    }
}
