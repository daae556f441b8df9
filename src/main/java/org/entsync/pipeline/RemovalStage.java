package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.diff.IndexRow;
import org.entsync.diff.RemovalGuard;
import org.entsync.moodle.CategorySink;
import org.entsync.moodle.CohortSink;
import org.entsync.moodle.GroupSink;
import org.entsync.moodle.RoleSink;
import org.entsync.moodle.UserRemoval;
import org.entsync.moodle.UserSink;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Removal stage: after a complete extraction, records the index knows but this run did not see are handled by
 * policy, behind the mass-removal guard. Users: kept, suspended or deleted; their owned cohort memberships, role
 * assignments and class keys go first. Cohorts whose source disappeared are kept (empty) or deleted.
 * School categories are never deleted: an orphan is reported.
 */
public final class RemovalStage {
    private static final Logger LOG = LoggerFactory.getLogger(RemovalStage.class);

    public void remove(@ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        if (!run.isActive()) return; // an instance that failed during the run removes nothing
        long t0 = System.nanoTime();
        String records = RunOptions.indexEntityOf(entity);
        EntityReport report = run.report(records);
        if (entity.equals(UserSink.ENTITY) && report.isExtractionComplete()) {
            // the people source is read: the candidates of its indexed entities can be looked for at once
            run.computeUnseenAhead(List.of(UnchangedPeople.ENTITY, UserSink.ENTITY));
        }
        try (Connection c = run.target().connection()) {
            switch (entity) {
                case CategorySink.ENTITY -> {
                    List<IndexRow> unseen = run.unseen(c, records);
                    if (guarded(run, c, entity, records, report, unseen)) {
                        run.target().index().setState(c, records, unseen.stream().map(IndexRow::key).toList(), IndexRow.KEPT, run.nowSeconds());
                        unseen.forEach(r -> report.change(Count.kept, r.key(), r.moodleId(), null, "orphaned: the school is no longer in the directory (categories are never deleted)"));
                    }
                }
                case UserSink.ENTITY -> {
                    forgetGonePeople(run, c, report);
                    List<IndexRow> unseen = run.unseen(c, records);
                    if (guarded(run, c, entity, records, report, unseen)) {
                        removeTheirRecords(run, c, unseen);
                        removeUsers(run, c, unseen, report);
                    }
                }
                case "cohorts" -> {
                    releaseOtherYears(run, c);
                    removeCohorts(run, c);
                }
                case "roles", "groups" -> {
                    // their people's rows went with the users who left (removeTheirRecords); groups are reconciled below
                }
                default -> throw new IllegalStateException(entity);
            }
            if (run.options().dryRun()) c.rollback();
            else c.commit();
            if (entity.equals("groups")) reconcileGroups(run, c, report);
        } finally {
            report.time("removal", (System.nanoTime() - t0) / 1_000_000);
            run.report().milestone("removal " + entity);
        }
    }

    /**
     * Accounts the directory no longer gives this instance (people who left, moved out of its schools or took
     * another username) lose what ent-sync gave them: their owned cohort memberships, role assignments and class
     * keys, whichever entities this run syncs (a run of users alone must not leave them behind), before the users'
     * removal policy applies. Behind the users' guard.
     */
    private static void removeTheirRecords(RunContext run, Connection c, List<IndexRow> users) throws SQLException {
        Map<Long, String> keyOf = new HashMap<>();
        users.forEach(r -> {
            if (r.moodleId() > 0) keyOf.put(r.moodleId(), r.key());
        });
        if (keyOf.isEmpty()) return;
        List<Long> ids = List.copyOf(keyOf.keySet());
        Map<Long, Integer> memberships = WriteStage.cohortSink(run).removeAllMemberships(c, ids);
        Map<Long, Integer> assignments = WriteStage.roleSink(run).removeAll(c, ids, run.nowSeconds());
        Map<Long, Integer> keys = WriteStage.groupSink(run).removeKeys(c, ids);
        report(run, CohortSink.MEMBERS, memberships, keyOf, "left the directory: removed from their cohorts");
        report(run, RoleSink.INDEX, assignments, keyOf, "left the directory: role assignments removed");
        report(run, GroupSink.KEYS, keys, keyOf, "left the directory: out of their classes' course groups");
    }

    /** One change per account that lost rows, the entity's removed count being the rows removed. */
    private static void report(RunContext run, String entity, Map<Long, Integer> removed, Map<Long, String> keyOf, String note) {
        if (removed.isEmpty()) return;
        EntityReport report = run.report(entity);
        int rows = 0;
        for (Map.Entry<Long, Integer> e : removed.entrySet()) {
            report.change(Count.removed, keyOf.get(e.getKey()), e.getKey(), null, note);
            rows += e.getValue();
        }
        report.add(Count.removed, rows - removed.size());
    }

    /**
     * Course groups: once the people are read, every bound course is reconciled (groups, members, optional
     * enrolments, groupings, caches), by chunks of courses. Skipped after an incomplete read.
     */
    private static void reconcileGroups(RunContext run, Connection c, EntityReport keys) throws SQLException {
        EntityReport groups = run.report(GroupSink.GROUPS);
        if (!keys.isExtractionComplete()) {
            groups.guard("refused", "the people extraction was incomplete: course groups were not reconciled");
            return;
        }
        long t0 = System.nanoTime();
        WriteStage.groupSink(run).reconcile(c, run.runId(), groups, run.report(GroupSink.MEMBERS), run.report(GroupSink.ENROLMENTS));
        groups.time("write", (System.nanoTime() - t0) / 1_000_000);
    }

    /** People fingerprints of entries no longer in the directory: they would never be probed again. */
    private static void forgetGonePeople(RunContext run, Connection c, EntityReport report) throws SQLException {
        if (!report.isExtractionComplete() || run.options().dryRun()) return;
        List<IndexRow> gone = run.unseen(c, UnchangedPeople.ENTITY);
        if (!gone.isEmpty()) run.target().index().delete(c, UnchangedPeople.ENTITY, gone.stream().map(IndexRow::key).toList());
    }

    /** The guard: false (and reported) when removals must not happen. */
    private static boolean guarded(RunContext run, Connection c, String entity, String records, EntityReport report, List<IndexRow> unseen) throws SQLException {
        if (unseen.isEmpty()) return false;
        long active = run.target().index().countActive(c, records, run.runId());
        RemovalGuard.Decision d = RemovalGuard.decide(report.isExtractionComplete(), run.seen(entity), unseen.size(), active,
                run.config().removal().maxShare(), run.options().forceRemovals());
        if (!d.allowed()) {
            report.guard("refused", d.reason());
            LOG.warn("{}: removal guard: {}", records, d.reason());
            return false;
        }
        report.guard("allowed", d.reason());
        return true;
    }

    private static void removeUsers(RunContext run, Connection c, List<IndexRow> unseen, EntityReport report) throws SQLException {
        long now = run.nowSeconds();
        List<String> keys = unseen.stream().map(IndexRow::key).toList();
        List<Long> ids = unseen.stream().map(IndexRow::moodleId).filter(id -> id > 0).toList();
        String policy = run.config().removal().policy();
        switch (policy) {
            case "keep" -> {
                run.target().index().setState(c, UserSink.ENTITY, keys, IndexRow.KEPT, now);
                unseen.forEach(r -> report.change(Count.kept, r.key(), r.moodleId(), null, "no longer in the directory; kept by policy"));
            }
            case "suspend" -> {
                new UserRemoval(run.target()).suspend(c, ids, now);
                run.target().index().setState(c, UserSink.ENTITY, keys, IndexRow.SUSPENDED, now);
                unseen.forEach(r -> report.change(Count.suspended, r.key(), r.moodleId(), null, "no longer in the directory"));
            }
            case "delete" -> {
                new UserRemoval(run.target()).delete(c, ids, now);
                run.target().index().delete(c, UserSink.ENTITY, keys);
                unseen.forEach(r -> report.change(Count.deleted, r.key(), r.moodleId(), null, "no longer in the directory"));
            }
            default -> throw new IllegalStateException(policy);
        }
    }

    /** Cohorts no person referred to in this run: emptied by the membership diff; kept or deleted by policy. */
    private static void removeCohorts(RunContext run, Connection c) throws SQLException {
        // looked for in every run, not only in one that removed memberships: a run cut short after writing them
        // (killed, or its read failed) removes nothing, and the next one finds those people unchanged
        EntityReport report = run.report(CohortSink.DEFINITIONS);
        // people skipped as unchanged still belong to their cohorts: a cohort whose source disappeared has no member left
        List<IndexRow> unseen = WriteStage.cohortSink(run).unseenWithoutMembers(c, run.runId());
        if (!guarded(run, c, "cohorts", CohortSink.DEFINITIONS, report, unseen)) return;
        long now = run.nowSeconds();
        List<String> keys = unseen.stream().map(IndexRow::key).toList();
        if (run.config().owned().cohortRemoval().equals("delete")) {
            WriteStage.cohortSink(run).deleteCohorts(c, unseen.stream().map(IndexRow::moodleId).toList());
            run.target().index().delete(c, CohortSink.DEFINITIONS, keys);
            unseen.forEach(r -> report.change(Count.deleted, r.key(), r.moodleId(), null, "its source disappeared from the directory"));
        } else {
            run.target().index().setState(c, CohortSink.DEFINITIONS, keys, IndexRow.KEPT, now);
            unseen.forEach(r -> report.change(Count.kept, r.key(), r.moodleId(), null, "its source disappeared: kept, emptied of its members"));
        }
    }

    /** A new year prefix: owned cohorts indexed under another prefix are handed over to manual management. */
    private static void releaseOtherYears(RunContext run, Connection c) throws SQLException {
        String prefix = run.config().owned().cohortYearPrefix();
        if (prefix.isEmpty() || !run.report(CohortSink.MEMBERS).isExtractionComplete()) return;
        List<IndexRow> all = run.target().index().unseen(c, CohortSink.DEFINITIONS, Long.MAX_VALUE);
        all.addAll(run.target().index().unseen(c, CohortSink.DEFINITIONS, Long.MAX_VALUE, IndexRow.KEPT));
        List<IndexRow> old = all.stream().filter(r -> !r.key().startsWith(prefix)).toList();
        if (old.isEmpty()) return;
        EntityReport report = run.report(CohortSink.DEFINITIONS);
        WriteStage.cohortSink(run).release(c, old.stream().map(IndexRow::moodleId).toList(), run.nowSeconds());
        run.target().index().delete(c, CohortSink.DEFINITIONS, old.stream().map(IndexRow::key).toList());
        old.forEach(r -> report.change(Count.kept, r.key(), r.moodleId(), null, "released to manual management (year prefix is now '" + prefix + "')"));
    }
}
