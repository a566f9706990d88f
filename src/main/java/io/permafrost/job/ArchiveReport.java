package io.permafrost.job;

import io.permafrost.iceberg.ArchiveTables;
import io.permafrost.iceberg.CatalogSpec;
import io.permafrost.iceberg.WindowCommitter;
import io.permafrost.schema.ArchiveTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.util.SnapshotUtil;

/** What the archive holds, per table and window, read from the Iceberg snapshots' summaries. */
public final class ArchiveReport {

    /** One window's commits. */
    public record WindowLine(String window, long rows, int files, int snapshots) {}

    /** One table's archive. */
    public record TableLine(
            String table,
            String location,
            List<WindowLine> windows,
            long rows,
            int files,
            int snapshots) {}

    private ArchiveReport() {}

    public static List<TableLine> read(CatalogSpec spec, List<ArchiveTable> tables) {
        Catalog catalog = spec.open();
        List<TableLine> out = new ArrayList<>();
        for (ArchiveTable at : tables) {
            Table table = catalog.loadTable(ArchiveTables.identifier(at.id()));
            Map<String, long[]> windows = new TreeMap<>();
            if (table.currentSnapshot() != null) {
                for (Snapshot s :
                        SnapshotUtil.ancestorsOf(
                                table.currentSnapshot().snapshotId(), table::snapshot)) {
                    String w = s.summary().get(WindowCommitter.WINDOW);
                    if (w != null) {
                        long[] acc = windows.computeIfAbsent(w, k -> new long[3]);
                        acc[0] +=
                                Long.parseLong(s.summary().getOrDefault(WindowCommitter.ROWS, "0"));
                        acc[1] +=
                                Long.parseLong(
                                        s.summary().getOrDefault(WindowCommitter.FILES, "0"));
                        acc[2]++;
                    }
                }
            }
            List<WindowLine> lines = new ArrayList<>();
            long rows = 0;
            int files = 0;
            int snapshots = 0;
            for (Map.Entry<String, long[]> e : windows.entrySet()) {
                long[] a = e.getValue();
                lines.add(new WindowLine(e.getKey(), a[0], (int) a[1], (int) a[2]));
                rows += a[0];
                files += (int) a[1];
                snapshots += (int) a[2];
            }
            out.add(
                    new TableLine(
                            at.id().toString(), table.location(), lines, rows, files, snapshots));
        }
        if (catalog instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a catalog after reading
            }
        }
        return out;
    }

    public static void print(List<TableLine> tables, PrintWriter out) {
        for (TableLine t : tables) {
            out.printf("%s -> %s%n", t.table(), t.location());
            out.printf(
                    "  %s, %s, %s, %s%n",
                    counted(t.windows().size(), "window"),
                    counted(t.rows(), "row"),
                    counted(t.files(), "file"),
                    counted(t.snapshots(), "Iceberg snapshot"));
            for (WindowLine w : t.windows()) {
                out.printf(
                        "  %-40s %10d %-4s %4d %-5s %s%n",
                        w.window(),
                        w.rows(),
                        w.rows() == 1 ? "row" : "rows",
                        w.files(),
                        w.files() == 1 ? "file" : "files",
                        w.snapshots() > 1
                                ? "("
                                        + (w.snapshots() - 1)
                                        + " amendment"
                                        + (w.snapshots() > 2 ? "s)" : ")")
                                : "");
            }
        }
        out.flush();
    }

    /** {@code 1 row}, {@code 3 rows}. */
    static String counted(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
