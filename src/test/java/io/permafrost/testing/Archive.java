package io.permafrost.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.util.SnapshotUtil;

/** Reads an archived table back through Iceberg, for assertions. */
public final class Archive {

    private final Supplier<Catalog> catalog;
    private final String table;

    /** A table of a Hadoop catalog in a local warehouse. */
    public Archive(Path warehouse, String table) {
        this(() -> new HadoopCatalog(new Configuration(), warehouse.toUri().toString()), table);
    }

    /** A table of any catalog (e.g. JDBC with S3FileIO); the supplier is asked on every read. */
    public Archive(Supplier<Catalog> catalog, String table) {
        this.catalog = catalog;
        this.table = table;
    }

    public Table table() {
        return catalog.get().loadTable(TableIdentifier.of("public", table));
    }

    public boolean exists() {
        return catalog.get().tableExists(TableIdentifier.of("public", table));
    }

    /** The window commits, oldest first, as "kind window rows". */
    public List<String> commits() {
        List<String> out = new ArrayList<>();
        if (!exists()) {
            return out;
        }
        Table t = table();
        if (t.currentSnapshot() == null) {
            return out;
        }
        List<Snapshot> snapshots = new ArrayList<>();
        SnapshotUtil.ancestorsOf(t.currentSnapshot().snapshotId(), t::snapshot)
                .forEach(snapshots::add);
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            Snapshot s = snapshots.get(i);
            out.add(
                    s.summary().get("permafrost.kind")
                            + " "
                            + s.summary().get("permafrost.window")
                            + " "
                            + s.summary().get("permafrost.rows"));
        }
        return out;
    }

    public List<Record> records() {
        List<Record> out = new ArrayList<>();
        if (!exists() || table().currentSnapshot() == null) {
            return out;
        }
        try (CloseableIterable<Record> rs = IcebergGenerics.read(table()).build()) {
            rs.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
