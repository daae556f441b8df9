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
 * Diff stage, the idempotent-repository step of the pipeline: the page's keys are probed in the index in one query,
 * entries whose content hash is unchanged are dropped (and marked seen), the others go on to the writer. --full
 * sends everything on. Two entries of one run mapping to the same key fail as duplicates instead of overwriting
 * each other.
 */
public final class DiffStage {

    public PendingPage diff(MappedPage page, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
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
                report.failure(r.dn(), r.key(), "key", r.key(), "duplicate: " + first.dn() + " maps to the same key");
            }
        }
        try (Connection c = run.target().connection()) {
            String indexEntity = RunOptions.indexEntityOf(entity);
            Map<String, IndexRow> index = run.target().index().probe(c, indexEntity, byKey.keySet());
            // a person's derived rows were written for one Moodle account: if the person has another one now (the
            // account was deleted in Moodle and created again), the same hash does not mean the same rows in Moodle
            Map<String, Long> accounts = RunControl.primary(entity) || index.isEmpty() ? Map.of() : run.target().index().syncedUserIds(c, index.keySet());
            for (MappedRecord r : records) {
                IndexRow ix = index.get(r.key());
                boolean seenInRun = ix != null && run.target().index().seenInRun(indexEntity, ix, run.runId());
                Long account = accounts.get(r.key());
                if (seenInRun && !ix.hash().equals(r.hash())) {
                    report.failure(r.dn(), r.key(), "key", r.key(),
                            "duplicate: another entry of this run already maps to the same key");
                } else if (ix != null && ix.hash().equals(r.hash()) && ix.active() && (account == null || account == ix.moodleId())
                        && (!run.options().full() || seenInRun)) {
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
}
