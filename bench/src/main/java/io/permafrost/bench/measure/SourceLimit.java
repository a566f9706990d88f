package io.permafrost.bench.measure;

import io.permafrost.bench.Child;
import io.permafrost.bench.Params;
import io.permafrost.bench.Pg;
import java.sql.Connection;

/** 1. Source limit: {@code COPY (SELECT * FROM t) TO STDOUT (FORMAT binary)}, drained. */
public final class SourceLimit implements Child.Measure {

    @Override
    public Params run(Params in) throws Exception {
        try (Connection c = Pg.connect(in, in.get("db"))) {
            Pg.CountingNull sink = new Pg.CountingNull();
            Child.Cpu cpu = Child.Cpu.start(in);
            long t0 = System.nanoTime();
            long rows = Pg.copyBinary(c, "SELECT * FROM " + Pg.TABLE, sink);
            double s = (System.nanoTime() - t0) / 1e9;
            return cpu.stop(new Params())
                    .set("rows", rows)
                    .set("seconds", s)
                    .set("in_bytes", sink.bytes)
                    .set(
                            "notes",
                            "one JDBC connection (CopyManager), stream counted and discarded");
        }
    }
}
