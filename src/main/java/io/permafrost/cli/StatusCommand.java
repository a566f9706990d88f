package io.permafrost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.permafrost.config.PermafrostConfig;
import io.permafrost.manifest.WindowState;
import io.permafrost.model.WindowSpec;
import io.permafrost.source.SourceConnections;
import io.permafrost.verify.WindowFilter;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Per table: how many windows are archived and in which state (COMMITTED: no verdict for",
            "the current snapshots yet; VERIFIED; DELETING; DELETED; FAILED), the newest window, and",
            "the archive lag: for time windows now minus the end of the newest committed window, for",
            "range windows max(column) in PostgreSQL minus that end. Only the range lag needs the",
            "database; when it is unreachable the lag is shown as unknown."
        })
final class StatusCommand implements Callable<Integer> {

    @Mixin ConfigOption config;

    @Option(
            names = {"-t", "--table"},
            paramLabel = "T",
            description = "Only this table (schema.table or table).")
    String table;

    @Option(names = "--json", description = "A JSON array, one object per table.")
    boolean json;

    @Spec CommandSpec spec;

    /** One table's line. */
    record TableStatus(
            String table,
            boolean archived,
            Map<WindowState, Integer> states,
            int windows,
            long rows,
            long bytes,
            String latestWindow,
            Object latestWindowEnd,
            boolean timeWindows,
            Long lag,
            Long sourceMax,
            String lagUnknown) {}

    private Connection conn;
    private String connError;

    @Override
    public Integer call() throws Exception {
        PermafrostConfig cfg = config.load();
        List<TableStatus> lines = new ArrayList<>();
        try (ArchiveIndex index = new ArchiveIndex(cfg)) {
            for (ArchiveIndex.ArchivedTable t : index.tables(table)) {
                lines.add(status(cfg, t, index.windows(t, WindowFilter.ALL)));
            }
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (TableStatus s : lines) {
                list.add(toJson(s));
            }
            out.println(
                    new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(list));
            out.flush();
            return ExitCodes.OK;
        }
        String format = "%-24s %7s %9s %8s %8s %7s %6s %10s %10s  %-28s %s%n";
        out.printf(
                format,
                "TABLE",
                "WINDOWS",
                "COMMITTED",
                "VERIFIED",
                "DELETING",
                "DELETED",
                "FAILED",
                "ROWS",
                "SIZE",
                "LATEST WINDOW",
                "LAG");
        for (TableStatus s : lines) {
            out.printf(
                    format,
                    s.table(),
                    s.windows(),
                    s.states().get(WindowState.COMMITTED),
                    s.states().get(WindowState.VERIFIED),
                    s.states().get(WindowState.DELETING),
                    s.states().get(WindowState.DELETED),
                    s.states().get(WindowState.FAILED),
                    Human.count(s.rows()),
                    Human.bytes(s.bytes()),
                    s.latestWindow() == null
                            ? (s.archived() ? "-" : "- (not archived yet)")
                            : s.latestWindow(),
                    lagText(s, cfg));
        }
        out.flush();
        return ExitCodes.OK;
    }

    private TableStatus status(
            PermafrostConfig cfg, ArchiveIndex.ArchivedTable t, List<ArchiveIndex.WindowInfo> ws) {
        Map<WindowState, Integer> states = new EnumMap<>(WindowState.class);
        for (WindowState s : WindowState.values()) {
            states.put(s, 0);
        }
        long rows = 0;
        long bytes = 0;
        ArchiveIndex.WindowInfo latest = null;
        for (ArchiveIndex.WindowInfo w : ws) {
            states.merge(w.state(), 1, Integer::sum);
            rows += w.rows();
            bytes += w.bytes();
            if (latest == null || w.window().start() > latest.window().start()) {
                latest = w;
            }
        }
        WindowSpec window = t.config().window();
        boolean time = window instanceof WindowSpec.Time;
        Long lag = null;
        Long max = null;
        String unknown = null;
        if (latest == null) {
            unknown = "nothing committed yet";
        } else if (time) {
            long nowMicros = Instant.now().toEpochMilli() * 1000;
            lag = Math.max(0, nowMicros - latest.window().end()) / 1_000_000L;
        } else {
            try {
                max = sourceMax(cfg, t.config());
                lag = max == null ? 0 : Math.max(0, max - latest.window().end());
            } catch (SQLException | RuntimeException e) {
                unknown = e.getMessage();
                spec.commandLine()
                        .getErr()
                        .println(
                                "permafrost: archive lag of "
                                        + t.name()
                                        + " is unknown: "
                                        + e.getMessage());
                spec.commandLine().getErr().flush();
            }
        }
        return new TableStatus(
                t.name(),
                t.iceberg() != null,
                states,
                ws.size(),
                rows,
                bytes,
                latest == null ? null : latest.window().path(),
                latest == null ? null : ListCommand.bound(window, latest.window().end()),
                time,
                lag,
                max,
                unknown);
    }

    /** max(window column) of a range table; null when the table is empty. */
    private Long sourceMax(PermafrostConfig cfg, PermafrostConfig.Table t) throws SQLException {
        if (connError != null) {
            throw new IllegalStateException(connError);
        }
        if (conn == null) {
            try {
                conn = SourceConnections.open(cfg.source());
            } catch (RuntimeException e) {
                connError = e.getMessage();
                throw e;
            }
        }
        try (Statement s = conn.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT max(\""
                                        + t.window().column()
                                        + "\") FROM "
                                        + t.id().quoted())) {
            rs.next();
            long v = rs.getLong(1);
            return rs.wasNull() ? null : v;
        }
    }

    private static String lagText(TableStatus s, PermafrostConfig cfg) {
        if (s.lag() == null) {
            return s.latestWindow() == null ? "-" : "unknown";
        }
        if (s.timeWindows()) {
            return Human.duration(Duration.ofSeconds(s.lag()));
        }
        return Human.count(s.lag())
                + " ("
                + cfg.table(io.permafrost.model.TableId.parse(s.table())).window().column()
                + ")";
    }

    private static Map<String, Object> toJson(TableStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", s.table());
        m.put("archived", s.archived());
        m.put("windows", s.windows());
        for (WindowState st : WindowState.values()) {
            m.put(st.name().toLowerCase(java.util.Locale.ROOT), s.states().get(st));
        }
        m.put("rows", s.rows());
        m.put("bytes", s.bytes());
        m.put("latestWindow", s.latestWindow());
        m.put("latestWindowEnd", s.latestWindowEnd());
        if (s.timeWindows()) {
            m.put("lagSeconds", s.lag());
        } else {
            m.put("lagValues", s.lag());
            m.put("sourceMax", s.sourceMax());
        }
        if (s.lagUnknown() != null) {
            m.put("lagUnknown", s.lagUnknown());
        }
        return m;
    }
}
