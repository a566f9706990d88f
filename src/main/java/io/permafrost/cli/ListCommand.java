package io.permafrost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.permafrost.config.ConfigException;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.WindowSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "Lists archived windows: table, window path, state, rows, size, and when each was",
            "committed, verified and deleted. Reads the Iceberg catalog and the window manifests",
            "only; no database connection is needed. States: COMMITTED (no verdict for the",
            "window's current snapshots yet), VERIFIED, FAILED, DELETING, DELETED."
        })
final class ListCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Mixin WindowOptions windows;

    @Option(
            names = "--state",
            paramLabel = "S",
            split = ",",
            description =
                    "Only windows in these states (comma-separated, any case): COMMITTED, VERIFIED, FAILED, DELETING, DELETED.")
    List<String> states;

    @Option(names = "--json", description = "A JSON array, one object per window.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Set<WindowState> wanted = parseStates(states);
        PermafrostConfig cfg = config.load();
        List<ArchiveIndex.WindowInfo> rows = new ArrayList<>();
        Map<String, WindowSpec> specs = new LinkedHashMap<>();
        try (ArchiveIndex index = new ArchiveIndex(cfg)) {
            for (ArchiveIndex.ArchivedTable t : index.tables(windows.table)) {
                specs.put(t.name(), t.config().window());
                for (ArchiveIndex.WindowInfo w : index.windows(t, windows.filter())) {
                    if (wanted.contains(w.state())) {
                        rows.add(w);
                    }
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (ArchiveIndex.WindowInfo w : rows) {
                list.add(toJson(w, specs.get(w.table())));
            }
            out.println(
                    new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(list));
            out.flush();
            return ExitCodes.OK;
        }
        String format = "%-24s %-28s %-9s %10s %10s  %-20s  %-20s  %-20s  %s%n";
        out.printf(
                format,
                "TABLE",
                "WINDOW",
                "STATE",
                "ROWS",
                "SIZE",
                "COMMITTED",
                "VERIFIED",
                "DELETED",
                "NOTE");
        long totalRows = 0;
        long totalBytes = 0;
        Map<WindowState, Integer> byState = new EnumMap<>(WindowState.class);
        for (ArchiveIndex.WindowInfo w : rows) {
            out.printf(
                    format,
                    w.table(),
                    w.window().path(),
                    w.state(),
                    Human.count(w.rows()),
                    Human.bytes(w.bytes()),
                    Human.time(w.committedAt()),
                    Human.time(w.verifiedAt()),
                    Human.time(w.deletedAt()),
                    w.note());
            totalRows += w.rows();
            totalBytes += w.bytes();
            byState.merge(w.state(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        byState.forEach((s, n) -> parts.add(n + " " + s.name().toLowerCase(Locale.ROOT)));
        out.printf(
                "%n%d window(s), %s rows, %s%s%n",
                rows.size(),
                Human.count(totalRows),
                Human.bytes(totalBytes),
                parts.isEmpty() ? "" : ": " + String.join(", ", parts));
        out.flush();
        return ExitCodes.OK;
    }

    static Set<WindowState> parseStates(List<String> states) {
        if (states == null || states.isEmpty()) {
            return EnumSet.allOf(WindowState.class);
        }
        Set<WindowState> out = EnumSet.noneOf(WindowState.class);
        for (String s : states) {
            try {
                out.add(WindowState.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "option '--state': '"
                                + s
                                + "' is not a window state. Fix: use one of "
                                + Arrays.toString(WindowState.values())
                                + " (several separated by commas)");
            }
        }
        return out;
    }

    static Map<String, Object> toJson(ArchiveIndex.WindowInfo w, WindowSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", w.table());
        m.put("window", w.window().path());
        m.put("windowStart", bound(spec, w.window().start()));
        m.put("windowEnd", bound(spec, w.window().end()));
        m.put("state", w.state().name());
        m.put("rows", w.rows());
        m.put("bytes", w.bytes());
        m.put("files", w.files());
        m.put("snapshots", w.snapshots());
        m.put("committedAt", iso(w.committedAt()));
        m.put("lastCommittedAt", iso(w.lastCommittedAt()));
        m.put("verifiedAt", iso(w.verifiedAt()));
        m.put("deletedAt", iso(w.deletedAt()));
        if (w.manifest() != null) {
            m.put("manifestState", w.manifest().state().name());
            m.put("manifestSnapshots", w.manifest().snapshotIds().size());
            m.put("manifestRows", w.manifest().rows());
            if (w.manifest().failure() != null) {
                m.put("failure", w.manifest().failure().reason());
            }
        }
        String note = w.note();
        if (!note.isEmpty()) {
            m.put("note", note);
        }
        return m;
    }

    /** A window bound in JSON: an ISO instant for time windows, the integer for range windows. */
    static Object bound(WindowSpec spec, long v) {
        if (spec instanceof WindowSpec.Time) {
            return Instant.ofEpochSecond(
                            Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1000)
                    .toString();
        }
        return v;
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
