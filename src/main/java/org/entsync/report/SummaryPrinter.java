package org.entsync.report;

import java.io.PrintStream;

/** The run summary printed at the end of a command-line run. */
public final class SummaryPrinter {
    private SummaryPrinter() {
    }

    public static void print(RunReport r, PrintStream out) {
        out.printf("ent-sync run %d of %s: %s, %s in %.1f s%n", r.runId, r.instance, r.mode, r.outcome, (r.endedAt - r.startedAt) / 1000.0);
        if (r.error != null) out.println("  ERROR " + r.error);
        r.entities.forEach((name, e) -> {
            StringBuilder b = new StringBuilder(String.format("  %-11s", name));
            e.getCounts().forEach((k, v) -> {
                if (v > 0 || k.equals("created") || k.equals("updated") || k.equals("failed")) b.append(' ').append(k).append(' ').append(v);
            });
            out.println(b);
            if (!e.isExtractionComplete()) out.println("    INCOMPLETE " + e.getExtractionError());
            e.getGuards().forEach(g -> out.println("    GUARD " + g.decision() + ": " + g.reason()));
            e.getFailures().stream().limit(20).forEach(f -> out.println("    FAILED " + f.dn() + (f.field() == null ? "" : " field " + f.field()) + ": " + f.reason()));
        });
        out.println("  total changes " + r.totalChanges() + ", failures " + r.totalFailures());
    }
}
