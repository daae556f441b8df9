package org.entsync.report;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.LinkedHashMap;
import java.util.Map;

/** The report of one run of one instance: header, outcome and one {@link EntityReport} per entity type. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RunReport {
    public long runId;
    public String instance;
    public String trigger;
    public String mode;
    public long startedAt;
    public long endedAt;
    public String outcome = "running";
    public int exitCode;
    public String error;
    /** Set when another run held the instance's lock. */
    public String lockRefused;
    public long ldapEntriesRead;
    /**
     * Of those, how many were read whole after their change marker (entsync.ldap.changeMarker) changed; the others
     * were read as DN and marker only. 0 when every entry was read whole.
     */
    public long ldapEntriesFetched;
    public long sqlBatches;
    /** Where the HTML report was written (set once published). */
    public String reportFile;
    public final Map<String, EntityReport> entities = new LinkedHashMap<>();
    /** When each step of the run ended, in ms since its start: where a run's wall time went, as no per-stage sum tells. */
    public final Map<String, Long> timeline = new LinkedHashMap<>();

    /** Notes that a step of the run ended now (the first time only: instances of a farm share steps). */
    public void milestone(String step) {
        long at = System.currentTimeMillis() - startedAt;
        synchronized (timeline) {
            timeline.putIfAbsent(step, at);
        }
    }

    public boolean timelineHas(String step) {
        synchronized (timeline) {
            return timeline.containsKey(step);
        }
    }

    public synchronized EntityReport entity(String name) {
        return entities.computeIfAbsent(name, n -> new EntityReport());
    }

    /** Whether an entry with this key failed in any entity of this run. */
    public boolean failedInRun(String key) {
        synchronized (this) {
            return entities.values().stream().anyMatch(e -> e.failedInRun(key));
        }
    }

    public long totalChanges() {
        return entities.values().stream().mapToLong(EntityReport::changeCount).sum();
    }

    public long totalFailures() {
        return entities.values().stream().mapToLong(e -> e.get(EntityReport.Count.failed)).sum();
    }
}
