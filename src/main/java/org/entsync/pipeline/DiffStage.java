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

    public List<PendingChange> diff(MapStage.MappedPage page, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        long t0 = System.nanoTime();
        EntityReport report = run.report(entity);
        List<PendingChange> changed = new ArrayList<>();
        List<String> seenUnchanged = new ArrayList<>(page.failedKeys());
        Map<String, MappedRecord> byKey = new HashMap<>();
        List<MappedRecord> records = new ArrayList<>();
        for (MappedRecord r : page.records()) {
            MappedRecord first = byKey.putIfAbsent(r.key(), r);
            if (first == null) {
                records.add(r);
            } else if (!first.dn().equalsIgnoreCase(r.dn())) {
                report.failure(r.dn(), r.key(), run.mapping(entity).spec().key, r.key(), "duplicate: " + first.dn() + " maps to the same key");
            }
        }
        try (Connection c = run.target().connection()) {
            Map<String, IndexRow> index = run.target().index().probe(c, entity, byKey.keySet());
            for (MappedRecord r : records) {
                IndexRow ix = index.get(r.key());
                if (ix != null && ix.lastSeen() == run.runId() && !ix.hash().equals(r.hash())) {
                    report.failure(r.dn(), r.key(), run.mapping(entity).spec().key, r.key(),
                            "duplicate: another entry of this run already maps to the same key");
                } else if (ix != null && ix.hash().equals(r.hash()) && ix.active() && (!run.options().full() || ix.lastSeen() == run.runId())) {
                    seenUnchanged.add(r.key());
                    report.add(EntityReport.Count.unchanged, 1);
                } else {
                    changed.add(new PendingChange(r, ix));
                }
            }
            if (run.options().dryRun()) {
                run.dryRunSeen(entity, byKey.keySet());
                run.dryRunSeen(entity, page.failedKeys());
            } else if (!seenUnchanged.isEmpty()) {
                run.target().index().markSeen(c, entity, seenUnchanged, run.runId());
                c.commit();
            }
        }
        run.addSeen(entity, records.size() + page.failedKeys().size());
        report.time("diff", (System.nanoTime() - t0) / 1_000_000);
        return changed;
    }
}
