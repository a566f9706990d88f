package io.permafrost.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListingTest {

    @TempDir java.nio.file.Path dir;

    @Test
    void aDirectoryIsListedWhileItsFilesAreRenamed() throws Exception {
        Files.writeString(dir.resolve("stays.parquet"), "x");
        java.nio.file.Path a = dir.resolve(".part-1.inprogress");
        java.nio.file.Path b = dir.resolve("part-1.parquet");
        Files.writeString(a, "y");
        AtomicBoolean listing = new AtomicBoolean(true);
        // What FileSink does at every checkpoint: an in-progress file renamed to its final name.
        CompletableFuture<Void> renamer =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                while (listing.get()) {
                                    Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
                                    Files.move(b, a, StandardCopyOption.ATOMIC_MOVE);
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        Path flinkDir = new Path(dir.toUri());
        FileSystem fs = flinkDir.getFileSystem();
        try {
            for (int i = 0; i < 5_000; i++) {
                FileStatus[] children = Listing.children(fs, flinkDir);
                assertThat(Arrays.stream(children).map(c -> c.getPath().getName()))
                        .contains("stays.parquet");
            }
        } finally {
            listing.set(false);
            renamer.join();
        }
        assertThat(Listing.children(fs, new Path(flinkDir, "missing"))).isEmpty();
    }
}
