package org.entsync.cli;

import org.entsync.report.RunReport;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** One line per instance of a farm run: outcome, changes, failures, duration. */
final class FarmSummary {
    private FarmSummary() {
    }

    static void print(List<RunReport> reports, PrintStream out) {
        out.println("farm: " + reports.size() + " instances");
        out.println(String.format(Locale.ROOT, "  %-24s %-14s %4s %9s %9s %8s", "instance", "outcome", "exit", "changes", "failures", "seconds"));
        for (RunReport r : reports) {
            out.println(String.format(Locale.ROOT, "  %-24s %-14s %4d %9d %9d %8.1f", r.instance, r.outcome, r.exitCode, r.totalChanges(), r.totalFailures(),
                    (r.endedAt - r.startedAt) / 1000.0));
            if (r.error != null) out.println("    " + r.error.lines().findFirst().orElse(""));
            if (r.lockRefused != null) out.println("    " + r.lockRefused);
        }
    }
}
