package org.entsync.report;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What happened to one entity type in a run: counters, the list of changes and failures (capped, the counters
 * stay exact), guard decisions and time per stage.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public final class EntityReport {
    /** Detailed lists stop growing here so that a first run of a million entries stays in bounded memory. */
    public static final int DETAIL_CAP = 5_000;

    public enum Count { read, outOfScope, filtered, created, updated, unchanged, revived, suspended, deleted, kept, added, removed, failed }

    public record Change(String action, String key, long moodleId, Map<String, List<String>> changes, String note) {
    }

    public record Failure(String dn, String key, String field, String value, String reason) {
    }

    public record Guard(String decision, String reason) {
    }

    private final Map<Count, AtomicLong> counts = new LinkedHashMap<>();
    private final List<Change> changes = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<Guard> guards = new ArrayList<>();
    private final Map<String, Long> stageMillis = new LinkedHashMap<>();
    private boolean extractionComplete = true;
    private String extractionError;
    private long changesOmitted;
    /** Keys that failed in this run (bounded): such an entry is mapped again next run, never skipped as unchanged. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    private final java.util.Set<String> failedKeys = new java.util.HashSet<>();
    private static final int FAILED_KEYS_CAP = 200_000;
    private boolean failedKeysOverflow;
    private long failuresOmitted;

    public EntityReport() {
        for (Count c : Count.values()) counts.put(c, new AtomicLong());
    }

    public synchronized void add(Count c, long n) {
        counts.get(c).addAndGet(n);
    }

    public long get(Count c) {
        return counts.get(c).get();
    }

    public synchronized void change(Count c, String key, long moodleId, Map<String, List<String>> diff, String note) {
        counts.get(c).incrementAndGet();
        if (changes.size() < DETAIL_CAP) changes.add(new Change(c.name(), key, moodleId, diff, note));
        else changesOmitted++;
    }

    /** A set that changed (a person's cohorts or role assignments): one change listing what was added and removed. */
    public synchronized void membership(String key, long moodleId, List<String> added, List<String> removed) {
        membership(key, moodleId, added, removed, null);
    }

    public synchronized void membership(String key, long moodleId, List<String> added, List<String> removed, String note) {
        Map<String, List<String>> diff = new LinkedHashMap<>();
        if (!added.isEmpty()) diff.put("added", added);
        if (!removed.isEmpty()) diff.put("removed", removed);
        change(Count.updated, key, moodleId, diff, note);
        add(Count.added, added.size());
        add(Count.removed, removed.size());
    }

    public synchronized void failure(String dn, String key, String field, String value, String reason) {
        counts.get(Count.failed).incrementAndGet();
        if (key != null) {
            if (failedKeys.size() < FAILED_KEYS_CAP) failedKeys.add(key);
            else failedKeysOverflow = true;
        }
        if (failures.size() < DETAIL_CAP) failures.add(new Failure(dn, key, field, value, reason));
        else failuresOmitted++;
    }

    /** Whether this key failed in this run (true for every key once too many failed to remember them all). */
    public synchronized boolean failedInRun(String key) {
        return failedKeysOverflow || failedKeys.contains(key);
    }

    public synchronized void guard(String decision, String reason) {
        guards.add(new Guard(decision, reason));
    }

    public synchronized void time(String stage, long millis) {
        stageMillis.merge(stage, millis, Long::sum);
    }

    public synchronized void extractionFailed(String error) {
        extractionComplete = false;
        extractionError = error;
    }

    public Map<String, Long> getCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        counts.forEach((k, v) -> m.put(k.name(), v.get()));
        return m;
    }

    public List<Change> getChanges() {
        return changes;
    }

    public List<Failure> getFailures() {
        return failures;
    }

    public List<Guard> getGuards() {
        return guards;
    }

    public Map<String, Long> getStageMillis() {
        return stageMillis;
    }

    public boolean isExtractionComplete() {
        return extractionComplete;
    }

    public String getExtractionError() {
        return extractionError;
    }

    public long getChangesOmitted() {
        return changesOmitted;
    }

    public long getFailuresOmitted() {
        return failuresOmitted;
    }

    /** Entries written or removed: what "changed nothing" is judged on. */
    public long changeCount() {
        return get(Count.created) + get(Count.updated) + get(Count.revived) + get(Count.suspended) + get(Count.deleted)
                + get(Count.added) + get(Count.removed);
    }

    public boolean guardTripped() {
        return guards.stream().anyMatch(g -> g.decision().equals("refused"));
    }
}
