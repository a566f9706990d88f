package io.permafrost.manifest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.permafrost.storage.Listing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemKind;
import org.apache.flink.core.fs.Path;

/**
 * Window manifests under {@code <warehouse>/_manifests/<schema.table>/<window>.json}, on any Flink
 * file system (local or S3). A write replaces a manifest whole ({@link #write}).
 */
public final class ManifestStore {

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path root;

    public ManifestStore(String warehouse) {
        this.root = new Path(warehouse + "/_manifests");
    }

    public Path pathOf(String table, String window) {
        return new Path(root, table + "/" + window + ".json");
    }

    public Optional<WindowManifest> read(String table, String window) throws IOException {
        Path p = pathOf(table, window);
        FileSystem fs = p.getFileSystem();
        if (!fs.exists(p)) {
            return Optional.empty();
        }
        try (InputStream in = fs.open(p)) {
            return Optional.of(parse(in, p));
        }
    }

    /**
     * Replaces the window's manifest so that a reader, or a process killed at any moment, sees
     * either the old manifest or the new one, never none and never half of one: on an object store
     * the upload appears whole when it completes (S3 has no rename, and a copy-and-delete "rename"
     * would first have to delete the old manifest); on a local file system a temporary file is
     * renamed over the old one in one {@code rename(2)}.
     */
    public void write(WindowManifest m) throws IOException {
        Path target = pathOf(m.table(), m.window());
        FileSystem fs = target.getFileSystem();
        fs.mkdirs(target.getParent());
        if (fs.getKind() == FileSystemKind.OBJECT_STORE) {
            try (OutputStream out = fs.create(target, FileSystem.WriteMode.OVERWRITE)) {
                JSON.writeValue(out, m);
            }
            return;
        }
        Path tmp =
                new Path(
                        target.getParent(),
                        "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            JSON.writeValue(out, m);
        }
        if ("file".equals(fs.getUri().getScheme())) {
            // Not fs.rename: Flink's local rename (Files.move, REPLACE_EXISTING) deletes the
            // target first. ATOMIC_MOVE is one rename(2), which replaces it.
            Files.move(localFile(tmp, fs), localFile(target, fs), StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        if (fs.rename(tmp, target)) {
            return;
        }
        // A file system whose rename does not replace (Hadoop's contract for HDFS): the old
        // manifest must go first, and a crash in between leaves none for this window.
        if (fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("cannot replace manifest " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot move manifest into place: " + target);
        }
    }

    private static java.nio.file.Path localFile(Path p, FileSystem fs) {
        return Paths.get(p.makeQualified(fs).toUri().getPath());
    }

    /** Every manifest of a table (all tables when {@code table} is null). */
    public List<WindowManifest> list(String table) throws IOException {
        List<WindowManifest> out = new ArrayList<>();
        Path dir = table == null ? root : new Path(root, table);
        FileSystem fs = dir.getFileSystem();
        if (fs.exists(dir)) {
            collect(fs, dir, out);
        }
        return out;
    }

    private void collect(FileSystem fs, Path dir, List<WindowManifest> out) throws IOException {
        for (FileStatus c : Listing.children(fs, dir)) {
            String name = c.getPath().getName();
            if (c.isDir()) {
                collect(fs, c.getPath(), out);
            } else if (name.endsWith(".json") && !name.startsWith(".")) {
                try (InputStream in = fs.open(c.getPath())) {
                    out.add(parse(in, c.getPath()));
                }
            }
        }
    }

    private static WindowManifest parse(InputStream in, Path p) throws IOException {
        WindowManifest m = JSON.readValue(in, WindowManifest.class);
        if (m.formatVersion() > WindowManifest.FORMAT_VERSION) {
            throw new IOException(
                    "manifest "
                            + p
                            + " has format version "
                            + m.formatVersion()
                            + ", newer than this build reads ("
                            + WindowManifest.FORMAT_VERSION
                            + "); upgrade Permafrost");
        }
        return m;
    }

    public static String toJson(Object o) throws IOException {
        return JSON.writeValueAsString(o);
    }
}
