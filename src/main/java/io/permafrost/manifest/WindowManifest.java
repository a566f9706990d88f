package io.permafrost.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The evidence for one archived window, stored as {@code _manifests/{table}/{window}.json} beside
 * the warehouse. Written atomically; every state change writes a new version.
 *
 * @param snapshotIds the Iceberg snapshots of this window the evidence covers, oldest first
 * @param rows the row count of the window's archived state (newest version per key)
 * @param windowMin lowest window column value (µs since the epoch, or the integer)
 * @param keyMin lowest key, as hex of its canonical bytes
 * @param fingerprint 128-bit sum of the rows' hashes (hex)
 * @param leftOutColumns archived columns the fingerprints leave out: those the source table no
 *     longer had at verification (retired); null in manifests written before columns could retire,
 *     which is none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WindowManifest(
        int formatVersion,
        String table,
        String window,
        long windowStart,
        long windowEnd,
        WindowState state,
        List<Long> snapshotIds,
        List<FileEntry> files,
        long rows,
        Long windowMin,
        Long windowMax,
        String keyMin,
        String keyMax,
        String fingerprint,
        Long lsnMin,
        Long lsnMax,
        Side source,
        String committedAt,
        String verifiedAt,
        String deletedAt,
        String updatedAt,
        Failure failure,
        Deletion deletion,
        List<String> leftOutColumns) {

    public static final int FORMAT_VERSION = 1;

    /** One archived Parquet file. */
    public record FileEntry(String path, long size, long rows) {}

    /** What PostgreSQL held for the window when it was verified. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Side(
            long rows,
            String fingerprint,
            Long windowMin,
            Long windowMax,
            String keyMin,
            String keyMax) {}

    /** Why verification or deletion failed, with keys that differ. */
    public record Failure(String reason, List<String> exampleKeys) {}

    /** How the window left PostgreSQL. */
    public record Deletion(String method, long rows) {}

    public WindowManifest withState(WindowState newState, String now) {
        return copy(newState, deletedAt, now, failure, deletion);
    }

    public WindowManifest failed(Failure why, String now) {
        return copy(WindowState.FAILED, deletedAt, now, why, deletion);
    }

    public WindowManifest deleted(Deletion how, String now) {
        return copy(WindowState.DELETED, now, now, null, how);
    }

    /** This manifest's evidence with a new state and the fields a state change touches. */
    private WindowManifest copy(
            WindowState newState,
            String newDeletedAt,
            String now,
            Failure newFailure,
            Deletion newDeletion) {
        return new WindowManifest(
                formatVersion,
                table,
                window,
                windowStart,
                windowEnd,
                newState,
                snapshotIds,
                files,
                rows,
                windowMin,
                windowMax,
                keyMin,
                keyMax,
                fingerprint,
                lsnMin,
                lsnMax,
                source,
                committedAt,
                verifiedAt,
                newDeletedAt,
                now,
                newFailure,
                newDeletion,
                leftOutColumns);
    }

    /**
     * Whether this evidence was computed over the columns {@code retired} leaves: a table that has
     * lost a column since is verified again before its rows may be deleted.
     */
    public boolean coversColumns(List<String> retired) {
        return (leftOutColumns == null ? List.of() : leftOutColumns).equals(retired);
    }

    public long bytes() {
        return files == null ? 0 : files.stream().mapToLong(FileEntry::size).sum();
    }
}
