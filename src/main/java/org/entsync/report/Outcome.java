package org.entsync.report;

/** How a run ended, and the exit code that tells scripts and schedulers. */
public enum Outcome {
    SUCCESS(0, "success"),
    FAILED(1, "failed"),
    CONFIG_ERROR(2, "config-error"),
    GUARD_REFUSED(3, "guard-refused"),
    INCOMPLETE(4, "incomplete"),
    LOCKED(5, "locked");

    public final int exitCode;
    public final String label;

    Outcome(int exitCode, String label) {
        this.exitCode = exitCode;
        this.label = label;
    }

    /** The outcome a finished run's report implies (worst first). */
    public static Outcome of(RunReport r) {
        if (r.lockRefused != null) return LOCKED;
        if (r.error != null) return FAILED;
        if (r.entities.values().stream().anyMatch(e -> !e.isExtractionComplete())) return INCOMPLETE;
        if (r.entities.values().stream().anyMatch(EntityReport::guardTripped)) return GUARD_REFUSED;
        return SUCCESS;
    }

    /** The exit code of several runs: the most severe outcome (failed, config error, incomplete, guard, locked), or 0. */
    public static int worst(java.util.List<RunReport> reports) {
        Outcome[] bySeverity = {FAILED, CONFIG_ERROR, INCOMPLETE, GUARD_REFUSED, LOCKED};
        for (Outcome o : bySeverity) {
            if (reports.stream().anyMatch(r -> r.exitCode == o.exitCode)) return o.exitCode;
        }
        return SUCCESS.exitCode;
    }
}
