package io.permafrost.sink;

import java.io.IOException;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;

/**
 * Lets Iceberg's Parquet writer write into the part-file stream that Flink's FileSink owns. The
 * stream is never closed here: FileSink closes and commits it at the checkpoint.
 */
final class StreamOutputFile implements OutputFile {

    private final FSDataOutputStream out;

    StreamOutputFile(FSDataOutputStream out) {
        this.out = out;
    }

    @Override
    public PositionOutputStream create() {
        return new PositionOutputStream() {
            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
        return create();
    }

    @Override
    public String location() {
        return "flink-part-file";
    }

    @Override
    public InputFile toInputFile() {
        throw new UnsupportedOperationException(
                "a part file is read back only after it is committed");
    }
}
