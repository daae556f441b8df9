package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.EntryFingerprint;
import org.entsync.diff.IndexRow;
import org.entsync.diff.KnownPeople;
import org.entsync.diff.SeenKeys;
import org.entsync.ldap.EntryFetcher;
import org.entsync.mapping.MappedRecord;
import org.entsync.report.EntityReport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shortcut of a differential run: each person is fingerprinted as read (entry + everything the mappings
 * depend on) and remembered in the index (entity {@code people}, key = DN, value = fingerprint and key of the
 * person's records). A person whose fingerprint is unchanged is skipped before any mapping: every record derived
 * from them (user, cohort memberships, role assignments, classes) is counted unchanged and seen. {@code --full}
 * never skips; an entry that failed is not remembered, so it is mapped again next time.
 */
public final class UnchangedPeople {
    public static final String ENTITY = "people";
    private static final String FINGERPRINTS = "entsyncFingerprints";
    private static final String MARKERS = "entsyncMarkers";

    /**
     * Takes a page of people as read: unchanged people stop here (counted unchanged, their records seen); the
     * others are held back until a write batch of them is gathered ({@code entsync.moodle.batchSize}), which the
     * run's writer thread then maps and writes, one transaction per entity, while the read goes on.
     */
    public void skip(List<SearchResultEntry> page, Exchange exchange, @ExchangeProperty("run") RunContext run,
                     @ExchangeProperty("farm") FarmRun farm, @Header("source") String source) throws SQLException {
        long t0 = System.nanoTime();
        KnownPeople known = run.knownPeopleIfLoaded();
        // while the fingerprints are still being loaded, the page waits for them and the read goes on
        boolean waits = known == null && run.skipsUnchanged() && run.earlyPages(farm.readsPeopleMarkersOnly()).hold(page);
        if (!waits) {
            // held pages first, in read order (the first directory entry of a duplicate wins); if the load is still
            // under way and no more pages can be held, they are looked up in the index instead
            for (List<SearchResultEntry> early : run.earlyPages(farm.readsPeopleMarkersOnly()).takeAll()) tally(early, run, farm, source, known);
            tally(page, run, farm, source, known);
        }
        run.report("users").time("skip", (System.nanoTime() - t0) / 1_000_000);
        int held = run.heldPeople.size();
        int batch = run.config().moodle().batchSize();
        // a full batch goes; a fifth of one goes as soon as the writer has nothing to do, so that when changes are
        // few (1 % of the people: a handful a page) they are written during the read, not left for its end
        if (held >= batch || (held >= Math.max(1, batch / 5) && run.writerIdle())) submit(exchange, run);
    }

    /** One page as read: unchanged people are counted and seen, the others held back (or read whole first). */
    private static void tally(List<SearchResultEntry> page, RunContext run, FarmRun farm, String source, KnownPeople known) throws SQLException {
        PageTally tally = new PageTally(run, known, probedWhileLoading(run, known, page), farm.changeMarker(), page.size());
        if (farm.readsPeopleMarkersOnly()) {
            // the page holds DNs and markers: whoever's marker is unchanged is skipped; the others are read whole,
            // a few hundred at a time (one search for them, not one per page), beside the read of the markers
            for (SearchResultEntry e : page) if (!tally.unchangedByMarker(e)) run.changedPeople.add(e.getDN());
            tally.record(source);
            // a quarter of a chunk goes as soon as none of this run's is under way: little is left for the end of the read
            int changed = run.changedPeople.size();
            if (changed >= EntryFetcher.CHUNK || (changed >= EntryFetcher.CHUNK / 4 && run.fetches.isEmpty())) fetchWhole(run, farm);
            takeFetched(run, farm, source, false);
        } else {
            for (SearchResultEntry e : page) tally.byFingerprint(e);
            tally.record(source);
        }
    }

    /**
     * What one page of people comes to for one run: who is unchanged (by marker or by fingerprint), who maps to no
     * record, who is held back to be written; then remembered as seen and counted ({@link #record}).
     */
    private static final class PageTally {
        private final RunContext run;
        private final KnownPeople known;
        private final Map<String, IndexRow> probed;
        private final String markerAttribute;
        private final String salt;
        private final long[] skippedRecords;
        private final long[] skippedDns;
        private int skipped;
        private final long[] noRecordDns;
        private final long[] readDns;
        private int read;
        private int outOfScope;
        private int filtered;
        private final List<String> staleMarkerDns = new ArrayList<>();
        private final List<Long> staleMarkers = new ArrayList<>();

        PageTally(RunContext run, KnownPeople known, Map<String, IndexRow> probed, String markerAttribute, int size) {
            this.run = run;
            this.known = known;
            this.probed = probed;
            this.markerAttribute = markerAttribute;
            this.salt = run.peopleSalt();
            skippedRecords = new long[size];
            skippedDns = new long[size];
            noRecordDns = new long[size];
            readDns = new long[size];
        }

        /** An entry read as DN + marker: true (counted) when the marker is the one the person was last synced with. */
        boolean unchangedByMarker(SearchResultEntry e) {
            String dn = key(e);
            long dnHash = SeenKeys.hash(dn);
            long marker = marker(e);
            IndexRow row = known == null ? probed.get(dn) : null;
            long record = known != null ? known.unchangedRecordByMarker(dnHash, marker) : unchangedRecordByMarker(row, marker);
            if (record == 0) return false;
            unchanged(dnHash, record);
            return true;
        }

        /** A whole entry: skipped when its fingerprint is unchanged, else held back to be mapped and written. */
        void byFingerprint(SearchResultEntry e) {
            String dn = key(e);
            long dnHash = SeenKeys.hash(dn);
            String fingerprint = EntryFingerprint.of(e, salt, markerAttribute);
            long marker = marker(e);
            IndexRow row = known == null ? probed.get(dn) : null;
            long record = known != null ? known.unchangedRecord(dnHash, SeenKeys.hash(fingerprint)) : unchangedRecord(row, fingerprint);
            if (record == 0) {
                readDns[read++] = dnHash;
                run.heldPeople.add(e, dn, fingerprint, marker);
                return;
            }
            unchanged(dnHash, record);
            // written since with nothing a mapping reads (or put back): its new marker spares the next run a fetch
            long stored = known != null ? known.marker(dnHash) : row.moodleId();
            if (marker != 0 && stored != marker && dn.length() <= 255) {
                staleMarkerDns.add(dn);
                staleMarkers.add(marker);
            }
        }

        private long marker(SearchResultEntry e) {
            if (markerAttribute == null) return 0;
            String v = e.getAttributeValue(markerAttribute);
            return v == null ? 0 : KnownPeople.marker(salt, v);
        }

        private void unchanged(long dnHash, long record) {
            readDns[read++] = dnHash;
            if (record == KnownPeople.OUT_OF_SCOPE_RECORD || record == KnownPeople.FILTERED_RECORD) {
                // still nothing to write for this instance: counted as the mapping would, no record is seen
                noRecordDns[outOfScope + filtered] = dnHash;
                if (record == KnownPeople.OUT_OF_SCOPE_RECORD) outOfScope++;
                else filtered++;
            } else {
                skippedRecords[skipped] = record;
                skippedDns[skipped++] = dnHash;
            }
        }

        void record(String source) throws SQLException {
            run.markRead(readDns, read);
            if (outOfScope + filtered > 0) {
                run.target().index().rememberSeenHashes(ENTITY, noRecordDns, outOfScope + filtered, run.runId());
                EntityReport users = run.report("users");
                users.add(EntityReport.Count.outOfScope, outOfScope);
                users.add(EntityReport.Count.filtered, filtered);
            }
            if (skipped > 0) {
                long runId = run.runId();
                run.target().index().rememberSeenHashes(ENTITY, skippedDns, skipped, runId);
                for (String entity : run.entitiesOf(source)) {
                    String records = RunOptions.indexEntityOf(entity);
                    // derived records have no index rows: nothing of theirs to keep from removal
                    if (RunControl.primary(entity)) run.target().index().rememberSeenHashes(records, skippedRecords, skipped, runId);
                    run.report(records).add(EntityReport.Count.unchanged, skipped);
                    run.addSeen(entity, skipped);
                }
            }
            if (!staleMarkerDns.isEmpty() && !run.options().dryRun()) {
                org.entsync.moodle.Sql.retryOnDeadlock(ENTITY, () -> {
                    try (Connection c = run.target().connection()) {
                        run.target().index().setMoodleIds(c, ENTITY, staleMarkerDns, staleMarkers);
                        c.commit();
                    }
                });
            }
        }
    }

    /** The people's index rows when their fingerprints are not loaded yet; none in --full, which skips nobody. */
    private static Map<String, IndexRow> probedWhileLoading(RunContext run, KnownPeople known, List<SearchResultEntry> people) throws SQLException {
        return known == null && run.skipsUnchanged() ? probe(run, people) : Map.of();
    }

    private static Map<String, IndexRow> probe(RunContext run, List<SearchResultEntry> page) throws SQLException {
        try (Connection c = run.target().connection()) {
            Map<String, IndexRow> rows = run.target().index().probe(c, ENTITY, page.stream().map(UnchangedPeople::key).toList());
            c.rollback();
            return rows;
        }
    }

    /** As {@link KnownPeople#unchangedRecordByMarker}, from the person's index row (its moodleid holds the marker). */
    static long unchangedRecordByMarker(IndexRow row, long marker) {
        return row == null || !row.active() || marker == 0 || row.moodleId() != marker ? 0 : KnownPeople.record(row.hash());
    }

    /** As {@link KnownPeople#unchangedRecord}, from the person's index row. */
    static long unchangedRecord(IndexRow row, String fingerprint) {
        return row == null || !row.active() ? 0 : KnownPeople.recordIfUnchanged(row.hash(), fingerprint);
    }

    /**
     * Hands the people whose marker changed to the farm's fetch thread, to be read whole while the markers are read
     * on: read here, a chunk held the pages back for the time of its search (~10 ms for 200 entries on the bench's
     * slapd, more on a remote one), and slapd's read of the markers with them once the pages read ahead were taken.
     */
    private static void fetchWhole(RunContext run, FarmRun farm) {
        if (run.changedPeople.isEmpty()) return;
        List<String> dns = run.changedPeople;
        run.changedPeople = new ArrayList<>();
        run.fetches.add(farm.fetchWhole(dns));
    }

    /**
     * The people read whole so far ({@code wait}: all of them, once read), taken as if read so: skipped when their
     * fingerprint is unchanged (a write of an attribute no mapping reads), else held back to be written. On the
     * thread that takes the run's pages, as the pages themselves. A failed fetch throws its {@link
     * org.entsync.ldap.LdapReadException}.
     */
    private static void takeFetched(RunContext run, FarmRun farm, String source, boolean wait) throws SQLException {
        while (!run.fetches.isEmpty() && (wait || run.fetches.peek().isDone())) {
            List<SearchResultEntry> whole = SyncEngine.joinUnwrapped(run.fetches.poll());
            KnownPeople known = run.knownPeopleIfLoaded();
            PageTally tally = new PageTally(run, known, probedWhileLoading(run, known, whole), farm.changeMarker(), whole.size());
            for (SearchResultEntry e : whole) tally.byFingerprint(e);
            tally.record(source);
            synchronized (run.report()) {
                run.report().ldapEntriesFetched += whole.size();
            }
        }
    }

    /** At the end of the people source: writes the changed people still held back and waits for every batch. */
    public void drain(Exchange exchange, @ExchangeProperty("run") RunContext run, @ExchangeProperty("farm") FarmRun farm,
                      @Header("source") String source) throws SQLException {
        if (!source.equals("people")) return;
        EarlyPages early = run.earlyPages(farm.readsPeopleMarkersOnly());
        if (!early.isEmpty() && run.isActive()) {
            // a directory read faster than the fingerprints load (a small one): its pages wait for the load
            KnownPeople known = run.awaitKnownPeople();
            for (List<SearchResultEntry> page : early.takeAll()) tally(page, run, farm, source, known);
        }
        if (farm.readsPeopleMarkersOnly() && run.isActive()) {
            try {
                fetchWhole(run, farm);
                takeFetched(run, farm, source, true);
            } catch (org.entsync.ldap.LdapReadException e) {
                ReadStage.fetchFailed(run, source, e.getMessage()); // the people held back are still written
            }
        }
        submit(exchange, run);
        run.finishWrites();
        run.report().milestone("people written");
    }

    /** The route's filter before mapping: whether the page or batch holds anyone. */
    public boolean anyLeft(List<SearchResultEntry> entries) {
        return !entries.isEmpty();
    }

    /** Hands the held-back people to the run's writer thread, as an exchange of their own (route direct:map-and-write). */
    private static void submit(Exchange exchange, RunContext run) {
        PeopleBatch.Taken t = run.heldPeople.take();
        if (t.entries().isEmpty()) return;
        run.writer(exchange).submit(exchange, t.entries(), Map.of(FINGERPRINTS, t.fingerprints(), MARKERS, t.markers()));
    }

    /**
     * Before a batch of changed people is written: their people rows that hold another fingerprint are deleted, in a
     * transaction of their own. Otherwise a person whose Moodle rows this run changes, and who is then not remembered
     * (the run is killed, or one of their records fails), keeps the fingerprint of their old entry: if the entry
     * went back to it before the next run, they would be skipped as unchanged while Moodle holds what this run wrote.
     * Nothing to do in a first sync (no people row) or a dry run (nothing is written).
     */
    public void forgetChanged(Exchange exchange, @ExchangeProperty("run") RunContext run, @Header("source") String source) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> fingerprints = exchange.getProperty(FINGERPRINTS, Map.class);
        if (!source.equals("people") || run.options().dryRun() || fingerprints == null || fingerprints.isEmpty()
                || run.target().index().fresh(ENTITY)) return;
        Map<String, String> prefixes = new java.util.HashMap<>();
        fingerprints.forEach((dn, fingerprint) -> {
            if (dn.length() <= 255) prefixes.put(dn, KnownPeople.value(fingerprint, ""));
        });
        org.entsync.moodle.Sql.retryOnDeadlock(ENTITY, () -> {
            try (Connection c = run.target().connection()) {
                run.target().index().deleteUnlessPrefixed(c, ENTITY, prefixes);
                c.commit();
            }
        });
    }

    /** After the page went through every entity: remembers the fingerprints of the people mapped without failure. */
    public void remember(Exchange exchange, @ExchangeProperty("run") RunContext run, @ExchangeProperty("mapped") MappedPage mapped,
                         @Header("source") String source) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> fingerprints = exchange.getProperty(FINGERPRINTS, Map.class);
        if (!source.equals("people") || run.options().dryRun() || fingerprints == null || mapped == null || !run.isActive()) return;
        @SuppressWarnings("unchecked")
        Map<String, Long> markers = exchange.getProperty(MARKERS, Map.class);
        Map<String, Long> markerOf = markers == null ? Map.of() : markers;
        haltForTest();
        List<IndexRow> rows = new ArrayList<>();
        for (int i = 0; i < mapped.records().size(); i++) {
            MappedRecord r = mapped.records().get(i);
            String dn = key(mapped.entries().get(i));
            String value = KnownPeople.value(fingerprints.get(dn), r.key());
            if (dn.length() > 255 || value.length() > 64 || run.report().failedInRun(r.key())) continue;
            // a people row's moodleid holds the hash of the entry's change marker (KnownPeople.marker)
            rows.add(new IndexRow(dn, value, markerOf.getOrDefault(dn, 0L), IndexRow.ACTIVE, run.runId()));
        }
        noRecordRows(mapped.outOfScope(), KnownPeople.OUT_OF_SCOPE, fingerprints, markerOf, run, rows);
        noRecordRows(mapped.filtered(), KnownPeople.FILTERED, fingerprints, markerOf, run, rows);
        if (rows.isEmpty()) return;
        org.entsync.moodle.Sql.retryOnDeadlock(ENTITY, () -> {
            try (Connection c = run.target().connection()) {
                run.target().index().writeOncePerRun(c, ENTITY, rows, run.runId(), run.nowSeconds());
                c.commit();
            }
        });
    }

    /**
     * Hidden, test-only: system property {@code entsync.test.haltBeforeRemember=true} stops the JVM at once (as
     * kill -9 would) when a batch has been written and its people are about to be remembered, so that a
     * crash-safety test can strike exactly there. Not a setting: never documented in application.properties.
     */
    private static void haltForTest() {
        if (Boolean.getBoolean("entsync.test.haltBeforeRemember")) Runtime.getRuntime().halt(137);
    }

    private static void noRecordRows(List<SearchResultEntry> entries, String record, Map<String, String> fingerprints, Map<String, Long> markers,
                                     RunContext run, List<IndexRow> rows) {
        for (SearchResultEntry e : entries) {
            String dn = key(e);
            String fingerprint = fingerprints.get(dn);
            if (fingerprint == null || dn.length() > 255) continue;
            rows.add(new IndexRow(dn, KnownPeople.value(fingerprint, record), markers.getOrDefault(dn, 0L), IndexRow.ACTIVE, run.runId()));
        }
    }

    private static String key(SearchResultEntry e) {
        return e.getDN().toLowerCase(Locale.ROOT);
    }
}
