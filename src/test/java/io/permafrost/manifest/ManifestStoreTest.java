package io.permafrost.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestStoreTest {

    @TempDir Path warehouse;

    @Test
    void aReplacedManifestIsNeverAbsentNorHalfWritten() throws Exception {
        ManifestStore store = new ManifestStore(warehouse.toUri().toString());
        store.write(manifest(0));
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                for (long rows = 1; rows <= 2_000; rows++) {
                                    store.write(manifest(rows));
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            } finally {
                                writing.set(false);
                            }
                        });
        long reads = 0;
        long lastRows = 0;
        while (writing.get()) {
            // An absent or unparsable manifest would fail here: the old delete-then-rename showed
            // the window without a manifest between its two steps.
            Optional<WindowManifest> read = store.read("public.events", "day=01");
            assertThat(read).as("read %d", reads).isPresent();
            assertThat(read.get().rows()).isGreaterThanOrEqualTo(lastRows);
            lastRows = read.get().rows();
            reads++;
        }
        writer.join();

        assertThat(store.read("public.events", "day=01"))
                .get()
                .extracting(WindowManifest::rows)
                .isEqualTo(2_000L);
        try (Stream<Path> files = Files.list(warehouse.resolve("_manifests/public.events"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("day=01.json");
        }
        assertThat(reads).isPositive();
    }

    @Test
    void aManifestWithoutLeftOutColumnsCoversATableThatLostNone() throws Exception {
        ManifestStore store = new ManifestStore(warehouse.toUri().toString());
        store.write(manifest(5));
        Path file = warehouse.resolve("_manifests/public.events/day=01.json");
        // as written before columns could retire: no such field
        Files.writeString(
                file,
                Files.readString(file)
                        .replaceAll(",\\s*\"leftOutColumns\"\\s*:\\s*\\[\\s*\\]", ""));
        assertThat(Files.readString(file)).doesNotContain("leftOutColumns");

        WindowManifest old = store.read("public.events", "day=01").orElseThrow();
        assertThat(old.coversColumns(List.of())).isTrue();
        assertThat(old.coversColumns(List.of("note"))).isFalse();
        WindowManifest fresh = old.withState(WindowState.VERIFIED, "2026-12-04T00:00:00Z");
        assertThat(fresh.coversColumns(List.of())).isTrue();
    }

    private static WindowManifest manifest(long rows) {
        return new WindowManifest(
                WindowManifest.FORMAT_VERSION,
                "public.events",
                "day=01",
                0,
                86_400_000_000L,
                WindowState.COMMITTED,
                List.of(1L),
                List.of(new WindowManifest.FileEntry("f.parquet", 100, rows)),
                rows,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                "2026-12-03T00:00:00Z",
                null,
                null,
                "2026-12-03T00:00:00Z",
                null,
                null,
                List.of());
    }
}
