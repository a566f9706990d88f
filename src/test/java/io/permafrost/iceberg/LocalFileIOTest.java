package io.permafrost.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileIOTest {

    @TempDir Path dir;

    private final LocalFileIO io = new LocalFileIO();

    @Test
    void writesReadsAndKeepsTheLocationAsGiven() throws IOException {
        String location = "file://" + dir + "/a/b/metadata.json";
        OutputFile out = io.newOutputFile(location);
        assertThat(out.location()).isEqualTo(location);
        try (PositionOutputStream s = out.create()) {
            s.write("hello ".getBytes(StandardCharsets.UTF_8));
            s.write('!');
            assertThat(s.getPos()).isEqualTo(7);
        }
        assertThat(Files.readString(dir.resolve("a/b/metadata.json"))).isEqualTo("hello !");

        InputFile in = io.newInputFile("file:" + dir + "/a/b/metadata.json");
        assertThat(in.location()).isEqualTo("file:" + dir + "/a/b/metadata.json");
        assertThat(in.exists()).isTrue();
        assertThat(in.getLength()).isEqualTo(7);
        try (SeekableInputStream s = in.newStream()) {
            s.seek(6);
            assertThat(s.read()).isEqualTo('!');
        }
        assertThat(out.toInputFile().getLength()).isEqualTo(7);
    }

    @Test
    void createRefusesAnExistingFileAndCreateOrOverwriteReplacesIt() throws IOException {
        Path file = dir.resolve("m.avro");
        Files.writeString(file, "old content");
        OutputFile out = io.newOutputFile(file.toString());
        assertThatThrownBy(out::create).isInstanceOf(AlreadyExistsException.class);
        try (PositionOutputStream s = out.createOrOverwrite()) {
            s.write(new byte[] {1, 2});
        }
        assertThat(Files.size(file)).isEqualTo(2);
    }

    @Test
    void missingFilesAndForeignLocations() {
        String missing = "file://" + dir + "/missing.parquet";
        assertThat(io.newInputFile(missing).exists()).isFalse();
        assertThatThrownBy(() -> io.newInputFile(missing).getLength())
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> io.newInputFile(missing).newStream())
                .isInstanceOf(NotFoundException.class);
        io.deleteFile(missing); // absent: nothing to do
        assertThatThrownBy(() -> io.newInputFile("s3://bucket/key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("io-impl");
    }

    @Test
    void deletes() throws IOException {
        Path file = Files.writeString(dir.resolve("x"), "x");
        io.deleteFile("file:" + file);
        assertThat(file).doesNotExist();
    }
}
