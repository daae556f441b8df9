package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.IndexRow;
import org.entsync.mapping.MappedRecord;
import org.entsync.diff.PendingChange;
import org.entsync.report.EntityReport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Diff stage, the idempotent-repository step of the pipeline, for the entities with index rows of their own (users,
 * categories): the page's keys are probed in the index in one query, entries whose content hash is unchanged are
 * dropped (and marked seen), the others go on to the writer. --full sends everything on. Two entries of one run
 * mapping to the same key fail as duplicates instead of overwriting each other.
 *
 * <p>The records derived from people (memberships, assignments, class keys) have no index rows: the people whose
 * fingerprint is unchanged were skipped before mapping, and for the others each sink reads the person's current
 * rows (owned memberships, assignments, class keys of their account) and writes only the difference. They follow
 * the users diff's verdict on duplicates: an entry whose record key another entry of the run took derives nothing.
 */
public final class DiffStage {

    public PendingPage diff(MappedPage page, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        if (!RunControl.primary(entity)) return derived(page, run, entity);
        // a page whose people were all skipped as unchanged: nothing to probe (no connection, no round trip)
        if (page.records().isEmpty() && page.failedKeys().isEmpty() && page.definitions().isEmpty()) return new PendingPage(List.of(), page);
        long t0 = System.nanoTime();
        EntityReport report = run.report(RunOptions.indexEntityOf(entity));
        List<PendingChange> changed = new ArrayList<>();
        List<String> seenUnchanged = new ArrayList<>();
        Map<String, MappedRecord> byKey = new HashMap<>();
        List<MappedRecord> records = new ArrayList<>();
        for (MappedRecord r : page.records()) {
            MappedRecord first = byKey.putIfAbsent(r.key(), r);
            if (first == null) {
                records.add(r);
            } else if (!first.dn().equalsIgnoreCase(r.dn())) {
                page.duplicate(r.dn());
                report.failure(r.dn(), r.key(), "key", r.key(), "duplicate: " + first.dn() + " maps to the same key");
            }
        }
        try (Connection c = run.target().connection()) {
            String indexEntity = RunOptions.indexEntityOf(entity);
            Map<String, IndexRow> index = run.target().index().probe(c, indexEntity, byKey.keySet());
            for (MappedRecord r : records) {
                IndexRow ix = index.get(r.key());
                boolean seenInRun = ix != null && run.target().index().seenInRun(indexEntity, ix, run.runId());
                // another entry of this run took the key first: whatever its content, this one drives nothing
                if (seenInRun && r.dn() != null) page.duplicate(r.dn());
                if (seenInRun && !ix.hash().equals(r.hash())) {
                    report.failure(r.dn(), r.key(), "key", r.key(),
                            "duplicate: another entry of this run already maps to the same key");
                } else if (ix != null && ix.hash().equals(r.hash()) && ix.active() && (!run.options().full() || seenInRun)) {
                    if (ix.lastSeen() != run.runId()) seenUnchanged.add(r.key());
                    report.add(EntityReport.Count.unchanged, 1);
                } else {
                    changed.add(new PendingChange(r, ix));
                }
            }
            // remembered in memory, not written: a run where nothing changed writes nothing (SyncIndex.unseen
            // leaves these keys out of the removal candidates); a dry run also remembers what it would have written,
            // since its writes are rolled back
            run.target().index().rememberSeen(indexEntity, seenUnchanged, run.runId());
            List<String> notIndexed = new ArrayList<>(page.failedKeys());
            if (run.options().dryRun()) changed.forEach(p -> notIndexed.add(p.record().key())); // its writes are rolled back
            run.target().index().rememberFailed(indexEntity, notIndexed, run.runId());
            c.rollback(); // read only
        }
        run.addSeen(entity, records.size() + page.failedKeys().size());
        report.time("diff", (System.nanoTime() - t0) / 1_000_000);
        return new PendingPage(changed, page);
    }

    /** A derived entity's records: every one goes to the sink (one per key, none of an entry the users diff found a duplicate). */
    private static PendingPage derived(MappedPage page, RunContext run, String entity) {
        List<PendingChange> changes = new ArrayList<>(page.records().size());
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (MappedRecord r : page.records()) {
            if (!page.duplicates().contains(r.dn()) && keys.add(r.key())) changes.add(new PendingChange(r, null));
        }
        run.addSeen(entity, page.records().size() + page.failedKeys().size());
        return new PendingPage(changes, page);
    }
}
