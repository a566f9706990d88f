package io.permafrost.bench.measure;

import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** The daily windows the seed rows are spread over, and the query of each. */
public record Windows(LocalDate from, int count) {

    public static Windows of(Params p) {
        return new Windows(LocalDate.parse(p.get("data.from")), (int) p.getLong("data.days"));
    }

    public List<LocalDate> days() {
        List<LocalDate> d = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            d.add(from.plusDays(i));
        }
        return d;
    }

    public static String query(LocalDate day) {
        return "SELECT * FROM "
                + Pg.TABLE
                + " WHERE uploaded_date >= timestamptz '"
                + day
                + " 00:00:00+00' AND uploaded_date < timestamptz '"
                + day.plusDays(1)
                + " 00:00:00+00'";
    }

    /** Hive-style directory of a day, as Permafrost names it. */
    public static String path(LocalDate day) {
        return String.format(
                "year=%04d/month=%02d/day=%02d",
                day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }
}
