package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.permafrost.schema.ArchiveTable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;

/** Heartbeat marker rows are dropped before the sink; every other row passes. */
class DropHeartbeatsTest {

    private final ArchiveJob.DropHeartbeats filter = new ArchiveJob.DropHeartbeats(1);

    @Test
    void dropsHeartbeatsWhetherTheirOpIsAJavaOrABinaryString() {
        assertThat(filter.filter(row(StringData.fromString(ArchiveTable.HEARTBEAT_OP)))).isFalse();
        assertThat(
                        filter.filter(
                                row(
                                        BinaryStringData.fromBytes(
                                                ArchiveTable.HEARTBEAT_OP.getBytes(
                                                        StandardCharsets.UTF_8)))))
                .isFalse();
    }

    @Test
    void keepsSnapshotAndChangeRows() {
        for (String op : new String[] {"r", "c", "u"}) {
            assertThat(filter.filter(row(StringData.fromString(op)))).as(op).isTrue();
        }
    }

    private static GenericRowData row(StringData op) {
        return GenericRowData.of(42L, op);
    }
}
