package io.permafrost.iceberg;

import java.io.Serializable;

/** A committed Parquet file of a window, as FileSink reported it or as found on storage. */
public record DataFileRef(String window, String path, long size, long checkpointId)
        implements Serializable {}
