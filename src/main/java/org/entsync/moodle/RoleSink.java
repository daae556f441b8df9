package org.entsync.moodle;

import org.entsync.diff.IndexRow;
import org.entsync.diff.PendingChange;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Role assignments owned through {@code role_assignments.component}: for each person whose rules give a different
 * set, the owned assignments are made exactly equal to it (roles by shortname; contexts: system, a school's
 * category, a course by idnumber, a child's user context). Assignments made by hand are never touched. Users whose
 * roles changed are flagged dirty for Moodle.
 */
public final class RoleSink {
    public static final String INDEX = "role-assignments";
    private final TargetDatabase target;
    private final String component;
    private final CategoryDirectory categories;
    private final boolean dryRun;

    public RoleSink(TargetDatabase target, String component, CategoryDirectory categories, boolean dryRun) {
        this.target = target;
        this.component = component;
        this.categories = categories;
        this.dryRun = dryRun;
    }

    private record Assignment(long roleId, long contextId) {
    }

    public void write(Connection c, List<PendingChange> changes, long runId, EntityReport report) throws SQLException {
        long now = System.currentTimeMillis() / 1000;
        List<Runnable> reports = new ArrayList<>();
        Map<String, Long> users = target.index().syncedUserIds(c, changes.stream().map(ch -> ch.record().key()).toList());
        Resolver resolver = new Resolver(c, changes);
        Map<Long, Map<Assignment, List<Long>>> current = current(c, target.index().notCreatedInRun(users.values(), runId));
        List<long[]> inserts = new ArrayList<>(); // roleid, contextid, userid
        List<Long> deletes = new ArrayList<>();
        Set<Long> dirty = new LinkedHashSet<>();
        for (PendingChange ch : changes) {
            Long userId = users.get(ch.record().key());
            if (userId == null) continue; // not (or no longer) a synced user: retried when they are
            Set<Assignment> desired = new LinkedHashSet<>();
            List<String> unresolved = new ArrayList<>();
            for (String a : ch.record().values("assignments")) {
                Assignment as = resolver.resolve(a);
                if (as == null) unresolved.add(a);
                else desired.add(as);
            }
            Map<Assignment, List<Long>> have = current.getOrDefault(userId, Map.of());
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (Assignment a : desired) {
                if (!have.containsKey(a)) {
                    inserts.add(new long[]{a.roleId(), a.contextId(), userId});
                    added.add(resolver.describe(a));
                }
            }
            for (Map.Entry<Assignment, List<Long>> h : have.entrySet()) {
                List<Long> ids = h.getValue();
                if (!desired.contains(h.getKey())) {
                    deletes.addAll(ids);
                    removed.add(resolver.describe(h.getKey()));
                } else if (ids.size() > 1) {
                    deletes.addAll(ids.subList(1, ids.size())); // duplicates, as role_assign() cleans them
                }
            }
            if (!added.isEmpty() || !removed.isEmpty()) dirty.add(userId);
            if (!unresolved.isEmpty()) { // a failure: the person is mapped again next run, when the category or course may exist
                reports.add(() -> report.failure(ch.record().dn(), ch.record().key(), "assignments", String.join(", ", unresolved),
                        "context not found in Moodle (school category, course or child account missing)"));
            }
            if (!added.isEmpty() || !removed.isEmpty()) {
                reports.add(() -> report.membership(ch.record().key(), userId, added, removed));
            } else if (unresolved.isEmpty()) {
                reports.add(() -> report.add(Count.unchanged, 1));
            }
        }
        insert(c, inserts, now);
        delete(c, deletes);
        // every holder is flagged, new accounts included: a run killed after writing the users and resumed would flag
        // them (they are no longer new then), and a killed run must end as the uninterrupted one (CrashSafety)
        target.dirtyFlags().markUsers(c, dirty, now, target.site().sessionTimeout());
        target.countBatch(2);
        if (dryRun) c.rollback();
        else c.commit();
        reports.forEach(Runnable::run);
    }

    /** userid → owned assignment → row ids. */
    private Map<Long, Map<Assignment, List<Long>>> current(Connection c, List<Long> userIds) throws SQLException {
        Map<Long, Map<Assignment, List<Long>>> out = new HashMap<>();
        Sql.queryIn(c, target.sql().q("SELECT id, userid, roleid, contextid FROM {role_assignments} WHERE component = ? AND itemid = 0 "
                        + "AND userid IN " + Sql.IN_LIST + " ORDER BY id"), userIds,
                rs -> out.computeIfAbsent(rs.getLong(2), k -> new HashMap<>())
                        .computeIfAbsent(new Assignment(rs.getLong(3), rs.getLong(4)), k -> new ArrayList<>()).add(rs.getLong(1)), component);
        return out;
    }

    private void insert(Connection c, List<long[]> rows, long now) throws SQLException {
        target.sql().insert(c, "role_assignments", List.of("roleid", "contextid", "userid", "timemodified", "modifierid", "component", "itemid", "sortorder"),
                rows.stream().map(r -> new Object[]{r[0], r[1], r[2], now, 0, component, 0, 0}).toList());
    }

    private void delete(Connection c, List<Long> ids) throws SQLException {
        Sql.updateIn(c, target.sql().q("DELETE FROM {role_assignments} WHERE component = ? AND id IN " + Sql.IN_LIST), ids, component);
    }

    /**
     * Removes every owned assignment of these users (they left the directory) and flags those who had some; returns
     * how many each of them lost.
     */
    public Map<Long, Integer> removeAll(Connection c, List<Long> userIds, long now) throws SQLException {
        List<Long> ids = new ArrayList<>();
        Map<Long, Integer> lost = new HashMap<>();
        current(c, userIds).forEach((user, owned) -> {
            int n = 0;
            for (List<Long> rows : owned.values()) {
                ids.addAll(rows);
                n += rows.size();
            }
            if (n > 0) lost.put(user, n);
        });
        delete(c, ids);
        target.dirtyFlags().markUsers(c, lost.keySet(), now, target.site().sessionTimeout());
        return lost;
    }

    /** Turns "role|context" strings into role and context ids, with one query per kind of context per page. */
    private final class Resolver {
        private final Map<String, Long> contexts = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();

        Resolver(Connection c, List<PendingChange> changes) throws SQLException {
            Set<String> uais = new HashSet<>();
            Set<String> courses = new HashSet<>();
            Set<String> children = new HashSet<>();
            for (PendingChange ch : changes) {
                for (String a : ch.record().values("assignments")) {
                    String ctx = a.substring(a.indexOf('|') + 1);
                    if (ctx.startsWith("category:")) uais.add(ctx.substring(9));
                    else if (ctx.startsWith("course:")) courses.add(ctx.substring(7));
                    else if (ctx.startsWith("user:")) children.add(ctx.substring(5));
                }
            }
            contexts.put("system", target.site().systemContextId());
            categories.resolve(c, uais).forEach((u, ref) -> contexts.put("category:" + u, ref.contextId()));
            Sql.queryIn(c, target.sql().q("SELECT co.idnumber, x.id FROM {course} co JOIN {context} x ON x.contextlevel = 50 "
                            + "AND x.instanceid = co.id WHERE co.idnumber IN " + Sql.IN_LIST + " ORDER BY co.id DESC"), courses,
                    rs -> contexts.put("course:" + rs.getString(1), rs.getLong(2)));
            Map<String, IndexRow> kids = target.index().probe(c, UserSink.ENTITY, children);
            Map<Long, String> kidByUserId = new HashMap<>();
            kids.values().forEach(k -> kidByUserId.put(k.moodleId(), k.key()));
            Sql.queryIn(c, target.sql().q("SELECT instanceid, id FROM {context} WHERE contextlevel = 30 AND instanceid IN " + Sql.IN_LIST), kidByUserId.keySet(),
                    rs -> contexts.put("user:" + kidByUserId.get(rs.getLong(1)), rs.getLong(2)));
            contexts.forEach((k, v) -> names.put(v, k));
        }

        Assignment resolve(String a) {
            int bar = a.indexOf('|');
            Long ctx = contexts.get(a.substring(bar + 1));
            return ctx == null ? null : new Assignment(target.roleId(a.substring(0, bar)), ctx);
        }

        String describe(Assignment a) {
            String role = target.roleShortname(a.roleId());
            return role + "@" + names.getOrDefault(a.contextId(), "context " + a.contextId());
        }
    }
}
