package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.EntryFingerprint;
import org.entsync.diff.IndexRow;
import org.entsync.mapping.MappedRecord;
import org.entsync.report.EntityReport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
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

    public List<SearchResultEntry> skip(List<SearchResultEntry> page, Exchange exchange, @ExchangeProperty("run") RunContext run,
                                        @Header("source") String source) throws SQLException {
        if (!source.equals("people")) return page;
        long t0 = System.nanoTime();
        String salt = run.peopleSalt();
        Map<String, String> fingerprints = new HashMap<>(page.size() * 2);
        for (SearchResultEntry e : page) fingerprints.put(key(e), EntryFingerprint.of(e, salt));
        exchange.setProperty(FINGERPRINTS, fingerprints);
        if (run.options().full()) return page;
        Map<String, IndexRow> known;
        try (Connection c = run.target().connection()) {
            known = run.target().index().probe(c, ENTITY, fingerprints.keySet());
            c.rollback();
        }
        List<SearchResultEntry> out = new ArrayList<>(page.size());
        List<String> skippedKeys = new ArrayList<>();
        List<String> skippedDns = new ArrayList<>();
        for (SearchResultEntry e : page) {
            String dn = key(e);
            IndexRow row = known.get(dn);
            String value = row == null ? null : row.hash();
            int bar = value == null ? -1 : value.indexOf('|');
            if (bar > 0 && row.active() && value.substring(0, bar).equals(fingerprints.get(dn))) {
                skippedKeys.add(value.substring(bar + 1));
                skippedDns.add(dn);
            } else {
                out.add(e);
            }
        }
        if (!skippedKeys.isEmpty()) {
            long runId = run.runId();
            run.target().index().rememberSeen(ENTITY, skippedDns, runId);
            for (String entity : run.entitiesOf(source)) {
                String records = RunOptions.indexEntityOf(entity);
                run.target().index().rememberSeen(records, skippedKeys, runId);
                run.report(records).add(EntityReport.Count.unchanged, skippedKeys.size());
                run.addSeen(entity, skippedKeys.size());
            }
        }
        run.report("users").time("skip", (System.nanoTime() - t0) / 1_000_000);
        return out;
    }

    /** After the page went through every entity: remembers the fingerprints of the people mapped without failure. */
    public void remember(Exchange exchange, @ExchangeProperty("run") RunContext run, @ExchangeProperty("mapped") MappedPage mapped,
                         @Header("source") String source) throws SQLException {
        @SuppressWarnings("unchecked")
        Map<String, String> fingerprints = exchange.getProperty(FINGERPRINTS, Map.class);
        if (!source.equals("people") || run.options().dryRun() || fingerprints == null || mapped == null || !run.isActive()) return;
        List<IndexRow> rows = new ArrayList<>();
        for (int i = 0; i < mapped.records().size(); i++) {
            MappedRecord r = mapped.records().get(i);
            String dn = key(mapped.entries().get(i));
            String value = fingerprints.get(dn) + "|" + r.key();
            if (dn.length() > 255 || value.length() > 64 || run.report().failedInRun(r.key())) continue;
            rows.add(new IndexRow(dn, value, 0, IndexRow.ACTIVE, run.runId()));
        }
        if (rows.isEmpty()) return;
        try (Connection c = run.target().connection()) {
            run.target().index().upsert(c, ENTITY, rows, run.runId(), run.nowSeconds());
            c.commit();
        }
    }

    private static String key(SearchResultEntry e) {
        return e.getDN().toLowerCase(Locale.ROOT);
    }
}
