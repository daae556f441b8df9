package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.ldap.LdapConnector;
import org.entsync.ldap.StructureDirectory;
import org.entsync.report.RunReport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One run over one or several Moodle instances that share a directory: the directory is read once (structures,
 * then each source) and every page goes to every instance that is still running, each with its own mappings,
 * schools, database, index and report. A single-instance run is a farm of one.
 */
public final class FarmRun {
    private final List<RunContext> runs;
    private final LdapConnector ldap;
    private final StructureDirectory structures = new StructureDirectory();
    private final List<SearchResultEntry> structureEntries = new ArrayList<>();

    public FarmRun(List<RunContext> runs, LdapConnector ldap) {
        if (runs.isEmpty()) throw new IllegalArgumentException("a farm run needs at least one instance");
        this.runs = List.copyOf(runs);
        this.ldap = ldap;
        runs.forEach(r -> r.shareStructures(structures, structureEntries));
    }

    public List<RunContext> getRuns() {
        return runs;
    }

    /** Runs still taking pages; the routes split each page over them. */
    public List<RunContext> getActiveRuns() {
        return runs.stream().filter(RunContext::isActive).toList();
    }

    /** Sources to read, in order, for the union of the instances' entities. */
    public List<String> getSources() {
        Set<String> s = new LinkedHashSet<>();
        for (String e : RunOptions.ALL) {
            if (runs.stream().anyMatch(r -> r.getEntities().contains(e))) s.add(RunOptions.sourceOf(e));
        }
        return new ArrayList<>(s);
    }

    public LdapConnector ldap() {
        return ldap;
    }

    public StructureDirectory structures() {
        return structures;
    }

    public List<SearchResultEntry> structureEntries() {
        return structureEntries;
    }

    private volatile String structuresFingerprint = "";

    /** A hash of the structures read (lookups feed the mappings): a renamed school re-maps everyone. */
    public String structuresFingerprint() {
        return structuresFingerprint;
    }

    void structuresRead() {
        List<String> parts = new ArrayList<>();
        structureEntries.stream().sorted((a, b) -> a.getDN().compareToIgnoreCase(b.getDN()))
                .forEach(e -> parts.add(org.entsync.diff.EntryFingerprint.of(e, "")));
        structuresFingerprint = org.entsync.diff.EntryFingerprint.combine(parts);
        runs.forEach(r -> r.structuresFingerprint(structuresFingerprint));
    }

    private final java.util.Map<String, org.entsync.ldap.PagedSearch> readAhead = new java.util.concurrent.ConcurrentHashMap<>();

    /** A source's search, started before its turn (see {@link org.entsync.ldap.PagedSearch#start}). */
    void readAhead(String source, org.entsync.ldap.PagedSearch search) {
        org.entsync.ldap.PagedSearch before = readAhead.put(source, search);
        if (before != null) before.close();
    }

    /** The source's search started ahead, handed over once (null if none). */
    org.entsync.ldap.PagedSearch takeReadAhead(String source) {
        return readAhead.remove(source);
    }

    /** Closes the searches started ahead that no source read took, and the connection that fetched changed people. */
    void closeReadAhead() {
        readAhead.values().forEach(org.entsync.ldap.PagedSearch::close);
        readAhead.clear();
        java.util.concurrent.ExecutorService fetching = fetchThread;
        if (fetching != null) fetching.shutdownNow(); // fetches a failed run left: their search ends with the connection
        org.entsync.ldap.EntryFetcher f = peopleFetcher;
        if (f != null) f.close();
    }

    /** The attribute read as the people's change marker (entsync.ldap.changeMarker), or null. */
    public String changeMarker() {
        return lead().config().ldap().changeMarkerOrNull();
    }

    private volatile org.entsync.ldap.EntryFetcher peopleFetcher;

    /**
     * Whether the people are read as change markers only (DN + marker), every instance fetching the whole entries of
     * the people whose marker changed since their last sync with {@link #peopleFetcher}.
     */
    public boolean readsPeopleMarkersOnly() {
        return peopleFetcher != null;
    }

    void readPeopleMarkersOnly(org.entsync.ldap.EntryFetcher fetcher) {
        this.peopleFetcher = fetcher;
    }

    private volatile java.util.concurrent.ExecutorService fetchThread;

    /**
     * Reads these people whole with {@link #peopleFetcher}, on the farm's fetch thread (one after the other, one
     * connection for every instance), while the read of the markers goes on.
     */
    synchronized java.util.concurrent.CompletableFuture<java.util.List<com.unboundid.ldap.sdk.SearchResultEntry>> fetchWhole(java.util.List<String> dns) {
        if (fetchThread == null) fetchThread = SyncEngine.daemonPool(1, "ldap-fetch-people");
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> peopleFetcher.fetch(dns), fetchThread);
    }

    /** The first run's settings stand for the directory (all instances of a farm share it). */
    RunContext lead() {
        return runs.get(0);
    }

    private final java.util.Map<String, org.entsync.report.Progress> progress = new java.util.concurrent.ConcurrentHashMap<>();

    /** Progress of a source's read; the expected total is what the first instance read last time (0 if unknown). */
    public org.entsync.report.Progress progress(String source) {
        return progress.computeIfAbsent(source, s -> new org.entsync.report.Progress(s, () -> lead().expectedEntries(s)));
    }

    public List<RunReport> reports() {
        return runs.stream().map(RunContext::report).toList();
    }
}
