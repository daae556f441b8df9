package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.IndexRow;
import org.entsync.diff.RemovalGuard;
import org.entsync.moodle.UserRemoval;
import org.entsync.moodle.UserSink;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Removal stage: after a complete extraction, entries the index knows but the directory no longer gives are kept,
 * suspended or deleted by policy, behind the mass-removal guard.
 */
public final class RemovalStage {
    private static final Logger LOG = LoggerFactory.getLogger(RemovalStage.class);

    public void remove(@ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        long t0 = System.nanoTime();
        EntityReport report = run.report(entity);
        String policy = run.config().removal().policy();
        try (Connection c = run.target().connection()) {
            List<IndexRow> unseen = run.target().index().unseen(c, entity, run.runId());
            // a dry run marks nothing seen in the index: what it saw is kept in memory instead
            if (run.options().dryRun()) unseen = unseen.stream().filter(r -> !run.seenInDryRun(entity, r.key())).toList();
            long active = run.target().index().countActive(c, entity);
            RemovalGuard.Decision d = RemovalGuard.decide(report.isExtractionComplete(), run.seen(entity), unseen.size(), active,
                    run.config().removal().maxShare(), run.options().forceRemovals());
            if (unseen.isEmpty()) return;
            if (!d.allowed()) {
                report.guard("refused", d.reason());
                LOG.warn("{}: removal guard: {}", entity, d.reason());
                return;
            }
            report.guard("allowed", policy + ": " + d.reason());
            long now = run.nowSeconds();
            List<String> keys = unseen.stream().map(IndexRow::key).toList();
            List<Long> ids = unseen.stream().map(IndexRow::moodleId).filter(id -> id > 0).toList();
            switch (policy) {
                case "keep" -> {
                    run.target().index().setState(c, entity, keys, IndexRow.KEPT, now);
                    unseen.forEach(r -> report.change(Count.kept, r.key(), r.moodleId(), null, "no longer in the directory; kept by policy"));
                }
                case "suspend" -> {
                    if (entity.equals(UserSink.ENTITY)) new UserRemoval(run.target()).suspend(c, ids, now);
                    run.target().index().setState(c, entity, keys, IndexRow.SUSPENDED, now);
                    unseen.forEach(r -> report.change(Count.suspended, r.key(), r.moodleId(), null, "no longer in the directory"));
                }
                case "delete" -> {
                    if (entity.equals(UserSink.ENTITY)) new UserRemoval(run.target()).delete(c, ids, now);
                    run.target().index().delete(c, entity, keys);
                    unseen.forEach(r -> report.change(Count.deleted, r.key(), r.moodleId(), null, "no longer in the directory"));
                }
                default -> throw new IllegalStateException(policy);
            }
            if (run.options().dryRun()) c.rollback();
            else c.commit();
        } finally {
            report.time("removal", (System.nanoTime() - t0) / 1_000_000);
        }
    }
}
