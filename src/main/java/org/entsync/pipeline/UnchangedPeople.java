package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.EntryFingerprint;
import org.entsync.diff.IndexRow;
import org.entsync.diff.KnownPeople;
import org.entsync.diff.SeenKeys;
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

    /**
     * Takes a page of people as read: unchanged people stop here (counted unchanged, their records seen); the
     * others are held back until a write batch of them is gathered ({@code entsync.moodle.batchSize}), which the
     * run's writer thread then maps and writes, one transaction per entity, while the read goes on.
     */
    public void skip(List<SearchResultEntry> page, Exchange exchange, @ExchangeProperty("run") RunContext run,
                     @Header("source") String source) throws SQLException {
        long t0 = System.nanoTime();
        String salt = run.peopleSalt();
        KnownPeople known = run.knownPeopleIfLoaded();
        // the first pages may come before the fingerprints are loaded: they are looked up in the index instead of
        // waiting, so that the read goes on
        Map<String, IndexRow> probed = known == null && run.skipsUnchanged() ? probe(run, page) : Map.of();
        long[] skippedRecords = new long[page.size()];
        long[] skippedDns = new long[page.size()];
        int skipped = 0;
        long[] noRecordDns = new long[page.size()];
        long[] readDns = new long[page.size()];
        int read = 0;
        int outOfScope = 0;
        int filtered = 0;
        for (SearchResultEntry e : page) {
            String dn = key(e);
            long dnHash = SeenKeys.hash(dn);
            readDns[read++] = dnHash;
            String fingerprint = EntryFingerprint.of(e, salt);
            long record = known != null ? known.unchangedRecord(dnHash, SeenKeys.hash(fingerprint)) : unchangedRecord(probed.get(dn), fingerprint);
            if (record == KnownPeople.OUT_OF_SCOPE_RECORD || record == KnownPeople.FILTERED_RECORD) {
                // still nothing to write for this instance: counted as the mapping would, no record is seen
                noRecordDns[outOfScope + filtered] = dnHash;
                if (record == KnownPeople.OUT_OF_SCOPE_RECORD) outOfScope++;
                else filtered++;
            } else if (record != 0) {
                skippedRecords[skipped] = record;
                skippedDns[skipped++] = dnHash;
            } else {
                run.heldPeople.add(e, dn, fingerprint);
            }
        }
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
        run.report("users").time("skip", (System.nanoTime() - t0) / 1_000_000);
        int held = run.heldPeople.size();
        int batch = run.config().moodle().batchSize();
        // a full batch goes; a fifth of one goes as soon as the writer has nothing to do, so that when changes are
        // few (1 % of the people: a handful a page) they are written during the read, not left for its end
        if (held >= batch || (held >= Math.max(1, batch / 5) && run.writerIdle())) submit(exchange, run);
    }

    private static Map<String, IndexRow> probe(RunContext run, List<SearchResultEntry> page) throws SQLException {
        try (Connection c = run.target().connection()) {
            Map<String, IndexRow> rows = run.target().index().probe(c, ENTITY, page.stream().map(UnchangedPeople::key).toList());
            c.rollback();
            return rows;
        }
    }

    /** As {@link KnownPeople#unchangedRecord}, from the person's index row. */
    static long unchangedRecord(IndexRow row, String fingerprint) {
        return row == null || !row.active() ? 0 : KnownPeople.recordIfUnchanged(row.hash(), fingerprint);
    }

    /** At the end of the people source: writes the changed people still held back and waits for every batch. */
    public void drain(Exchange exchange, @ExchangeProperty("run") RunContext run, @Header("source") String source) {
        if (!source.equals("people")) return;
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
        run.writer(exchange).submit(exchange, t.entries(), Map.of(FINGERPRINTS, t.fingerprints()));
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
        haltForTest();
        List<IndexRow> rows = new ArrayList<>();
        for (int i = 0; i < mapped.records().size(); i++) {
            MappedRecord r = mapped.records().get(i);
            String dn = key(mapped.entries().get(i));
            String value = KnownPeople.value(fingerprints.get(dn), r.key());
            if (dn.length() > 255 || value.length() > 64 || run.report().failedInRun(r.key())) continue;
            rows.add(new IndexRow(dn, value, 0, IndexRow.ACTIVE, run.runId()));
        }
        noRecordRows(mapped.outOfScope(), KnownPeople.OUT_OF_SCOPE, fingerprints, run, rows);
        noRecordRows(mapped.filtered(), KnownPeople.FILTERED, fingerprints, run, rows);
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

    private static void noRecordRows(List<SearchResultEntry> entries, String record, Map<String, String> fingerprints, RunContext run, List<IndexRow> rows) {
        for (SearchResultEntry e : entries) {
            String dn = key(e);
            String fingerprint = fingerprints.get(dn);
            if (fingerprint == null || dn.length() > 255) continue;
            rows.add(new IndexRow(dn, KnownPeople.value(fingerprint, record), 0, IndexRow.ACTIVE, run.runId()));
        }
    }

    private static String key(SearchResultEntry e) {
        return e.getDN().toLowerCase(Locale.ROOT);
    }
}
