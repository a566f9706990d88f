package io.permafrost.iceberg;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Iceberg's file IO for a warehouse on the local file system, with plain Java file access. It is
 * the {@code io-impl} of every catalog whose warehouse is a {@code file:} location (unless the
 * config names another).
 *
 * <p>Why not Iceberg's default (Hadoop's local file system): without Hadoop's native library,
 * Hadoop sets the permissions of every file it creates by starting a {@code chmod} process, and it
 * writes a {@code .crc} file beside each. A profile of a backfill's final commit of 60 windows
 * showed 244 such processes (about 7 ms each); every commit of {@code run} paid a few.
 *
 * <p>Locations keep the form they are given in ({@code file:/…}, {@code file:///…} or a plain
 * absolute path), so the manifests list exactly what Hadoop's IO would have listed.
 */
public final class LocalFileIO implements FileIO {

    private static final long serialVersionUID = 1L;
    private static final int BUFFER = 64 * 1024;

    @Override
    public void initialize(Map<String, String> properties) {
        // nothing to configure
    }

    @Override
    public InputFile newInputFile(String location) {
        return new Input(location, fileOf(location));
    }

    @Override
    public OutputFile newOutputFile(String location) {
        return new Output(location, fileOf(location));
    }

    @Override
    public void deleteFile(String location) {
        try {
            Files.deleteIfExists(fileOf(location).toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + location, e);
        }
    }

    /** The local file of a {@code file:} location or an absolute path. */
    static File fileOf(String location) {
        String path;
        if (location.startsWith("file://")) {
            path = location.substring("file://".length());
        } else if (location.startsWith("file:")) {
            path = location.substring("file:".length());
        } else {
            path = location;
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(
                    "not a local absolute location: "
                            + location
                            + " (LocalFileIO reads and writes file: locations only; a warehouse"
                            + " elsewhere needs its own io-impl in catalog.properties)");
        }
        return new File(path);
    }

    private record Input(String location, File file) implements InputFile {

        @Override
        public long getLength() {
            try {
                return Files.size(file.toPath());
            } catch (NoSuchFileException e) {
                throw new NotFoundException(e, "File does not exist: %s", location);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the length of " + location, e);
            }
        }

        @Override
        public SeekableInputStream newStream() {
            return org.apache.iceberg.Files.localInput(file).newStream();
        }

        @Override
        public boolean exists() {
            return file.exists();
        }
    }

    private record Output(String location, File file) implements OutputFile {

        @Override
        public PositionOutputStream create() {
            return open(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }

        @Override
        public PositionOutputStream createOrOverwrite() {
            return open(
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }

        private PositionOutputStream open(StandardOpenOption... options) {
            try {
                Files.createDirectories(file.toPath().getParent());
                OutputStream out = Files.newOutputStream(file.toPath(), options);
                return new Counting(new BufferedOutputStream(out, BUFFER));
            } catch (FileAlreadyExistsException e) {
                throw new AlreadyExistsException("File already exists: %s", location);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + location, e);
            }
        }

        @Override
        public InputFile toInputFile() {
            return new Input(location, file);
        }
    }

    /** A buffered file stream that knows its position without asking the file system. */
    private static final class Counting extends PositionOutputStream {
        private final OutputStream out;
        private long position;

        Counting(OutputStream out) {
            this.out = out;
        }

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            position += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
