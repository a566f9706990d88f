package io.permafrost.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchiveReportTest {

    @Test
    void countsAreSingularForOneAndPluralOtherwise() {
        List<ArchiveReport.TableLine> tables =
                List.of(
                        new ArchiveReport.TableLine(
                                "public.blocks",
                                "/wh/public/blocks",
                                List.of(new ArchiveReport.WindowLine("height=0-999", 1, 1, 1)),
                                1,
                                1,
                                1),
                        new ArchiveReport.TableLine(
                                "public.events",
                                "/wh/public/events",
                                List.of(
                                        new ArchiveReport.WindowLine("day=01", 2, 2, 3),
                                        new ArchiveReport.WindowLine("day=02", 0, 0, 2)),
                                2,
                                2,
                                5));
        StringWriter text = new StringWriter();
        ArchiveReport.print(tables, new PrintWriter(text));

        assertThat(text.toString().lines().map(String::strip))
                .containsExactly(
                        "public.blocks -> /wh/public/blocks",
                        "1 window, 1 row, 1 file, 1 Iceberg snapshot",
                        "height=0-999                                      1 row     1 file",
                        "public.events -> /wh/public/events",
                        "2 windows, 2 rows, 2 files, 5 Iceberg snapshots",
                        "day=01                                            2 rows    2 files (2 amendments)",
                        "day=02                                            0 rows    0 files (1 amendment)");
    }
}
