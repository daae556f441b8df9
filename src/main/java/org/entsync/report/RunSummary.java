package org.entsync.report;

/**
 * One row of run history: what the HTML report's "last runs" chart needs about a past run. The caller (who keeps
 * the history, e.g. in the state database) hands the last 30 of these to {@link ReportWriter#write}.
 */
public record RunSummary(long runId, String instance, String trigger, String mode, long startedAt, long endedAt,
                         String outcome, long totalChanges, long totalFailures) {

    public static RunSummary of(RunReport r) {
        return new RunSummary(r.runId, r.instance, r.trigger, r.mode, r.startedAt, r.endedAt, r.outcome,
                r.totalChanges(), r.totalFailures());
    }

    /** Wall-clock duration, 0 when the run has not ended (or the clock went backwards). */
    public long durationMillis() {
        return endedAt > startedAt ? endedAt - startedAt : 0;
    }
}
