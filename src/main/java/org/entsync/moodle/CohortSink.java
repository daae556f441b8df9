package org.entsync.moodle;

import org.entsync.diff.IndexRow;
import org.entsync.diff.PendingChange;
import org.entsync.diff.SyncIndex;
import org.entsync.mapping.MappedRecord;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cohorts and their members, owned through {@code cohort.component}. A page brings the cohorts its people define
 * (created or renamed when needed) and the people whose set of cohorts changed: their memberships in owned cohorts
 * (under the current year prefix) are made exactly equal to that set. Cohorts and members made by hand (another or
 * no component) are never touched; an idnumber already used by such a cohort is reported, not taken over.
 */
public final class CohortSink {
    public static final String DEFINITIONS = "cohorts";
    public static final String MEMBERS = "cohort-members";

    private final TargetDatabase target;
    private final String component;
    private final String yearPrefix;
    private final boolean systemContext;
    private final CategoryDirectory categories;
    private final boolean dryRun;
    private final OwnedMemberships ownership;

    public CohortSink(TargetDatabase target, String component, String yearPrefix, boolean systemContext, CategoryDirectory categories, boolean dryRun) {
        this.target = target;
        this.component = component;
        this.yearPrefix = yearPrefix;
        this.systemContext = systemContext;
        this.categories = categories;
        this.dryRun = dryRun;
        this.ownership = new OwnedMemberships(target);
    }

    public void write(Connection c, List<MappedRecord> definitions, List<PendingChange> changes, long runId,
                      EntityReport cohortReport, EntityReport memberReport) throws SQLException {
        long now = System.currentTimeMillis() / 1000;
        List<Runnable> reports = new ArrayList<>();
        Set<String> blocked = writeDefinitions(c, definitions, runId, now, cohortReport, reports);
        writeMembers(c, changes, blocked, runId, now, memberReport, reports);
        if (dryRun) c.rollback();
        else c.commit();
        reports.forEach(Runnable::run);
    }

    /** Creates or updates the page's cohorts; returns the idnumbers that belong to someone else. */
    private Set<String> writeDefinitions(Connection c, List<MappedRecord> defs, long runId, long now, EntityReport report, List<Runnable> reports) throws SQLException {
        Set<String> blocked = new HashSet<>();
        if (defs.isEmpty()) return blocked;
        Sql sql = target.sql();
        Map<String, MappedRecord> byKey = new java.util.LinkedHashMap<>();
        // the same cohorts come back on page after page: one already seen unchanged in this run is not probed again
        defs.forEach(d -> {
            if (!target.index().remembered(DEFINITIONS, d.key(), runId)) byKey.put(d.key(), d);
        });
        Map<String, IndexRow> index = target.index().probe(c, DEFINITIONS, byKey.keySet());
        List<String> seen = new ArrayList<>();
        List<MappedRecord> toCheck = new ArrayList<>();
        for (MappedRecord d : byKey.values()) {
            IndexRow ix = index.get(d.key());
            if (ix != null && ix.hash().equals(d.hash()) && ix.active()) {
                if (ix.lastSeen() != runId) seen.add(d.key());
            } else {
                toCheck.add(d);
            }
        }
        // in memory, like unchanged entries in DiffStage (SyncIndex.unseen leaves them out of removal)
        target.index().rememberSeen(DEFINITIONS, seen, runId);
        if (toCheck.isEmpty()) return blocked;
        Map<String, long[]> existing = new HashMap<>(); // idnumber → [id, contextid]
        Map<String, String[]> existingText = new HashMap<>(); // idnumber → [component, name]
        Sql.queryIn(c, sql.q("SELECT id, idnumber, component, name, contextid FROM {cohort} WHERE idnumber IN " + Sql.IN_LIST + " ORDER BY id"),
                toCheck.stream().map(MappedRecord::key).toList(), rs -> {
                    if (existing.containsKey(rs.getString(2))) return;
                    existing.put(rs.getString(2), new long[]{rs.getLong(1), rs.getLong(5)});
                    existingText.put(rs.getString(2), new String[]{rs.getString(3), rs.getString(4)});
                });
        Set<String> uais = new TreeSet<>();
        toCheck.forEach(d -> uais.add(d.value("uai")));
        Map<String, CategoryDirectory.CategoryRef> cats = systemContext ? Map.of() : categories.resolve(c, uais);
        List<MappedRecord> inserts = new ArrayList<>();
        List<IndexRow> indexRows = new ArrayList<>();
        try (PreparedStatement upd = c.prepareStatement(sql.q("UPDATE {cohort} SET name = ?, contextid = ?, visible = 1, timemodified = ? WHERE id = ?"))) {
            for (MappedRecord d : toCheck) {
                long context = contextOf(d, cats);
                long[] ex = existing.get(d.key());
                if (ex == null) {
                    inserts.add(d);
                    continue;
                }
                String owner = existingText.get(d.key())[0];
                if (!component.equals(owner)) {
                    blocked.add(d.key());
                    reports.add(() -> report.failure(null, d.key(), "idnumber", d.key(), "a cohort with this idnumber exists and is not managed by ent-sync (component '"
                            + (owner == null ? "" : owner) + "'): left alone"));
                    continue;
                }
                String oldName = existingText.get(d.key())[1];
                Sql.bind(upd, d.value("name"), context, now, ex[0]);
                upd.addBatch();
                Map<String, List<String>> diff = new HashMap<>();
                if (!d.value("name").equals(oldName)) diff.put("name", List.of(String.valueOf(oldName), d.value("name")));
                if (context != ex[1]) diff.put("contextid", List.of(String.valueOf(ex[1]), String.valueOf(context)));
                reports.add(() -> report.change(Count.updated, d.key(), ex[0], diff, null));
                indexRows.add(new IndexRow(d.key(), d.hash(), ex[0], IndexRow.ACTIVE, runId));
            }
            upd.executeBatch();
        }
        if (!inserts.isEmpty()) {
            try (PreparedStatement ins = c.prepareStatement(sql.q("INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, visible, "
                    + "component, timecreated, timemodified) VALUES (?, ?, ?, '', 1, 1, ?, ?, ?)"))) {
                for (MappedRecord d : inserts) {
                    Sql.bind(ins, contextOf(d, cats), d.value("name"), d.key(), component, now, now);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            Map<String, Long> ids = ids(c, inserts.stream().map(MappedRecord::key).toList());
            for (MappedRecord d : inserts) {
                long id = ids.getOrDefault(d.key(), 0L);
                indexRows.add(new IndexRow(d.key(), d.hash(), id, IndexRow.ACTIVE, runId));
                reports.add(() -> report.change(Count.created, d.key(), id, Map.of("name", Arrays.asList(null, d.value("name"))), null));
            }
        }
        target.index().upsert(c, DEFINITIONS, indexRows, runId, now);
        target.countBatch(3);
        return blocked;
    }

    private long contextOf(MappedRecord d, Map<String, CategoryDirectory.CategoryRef> cats) {
        CategoryDirectory.CategoryRef cat = cats.get(d.value("uai"));
        return cat == null ? target.site().systemContextId() : cat.contextId();
    }

    /**
     * Owned cohort ids by idnumber from the index (unique key, one probe; cohort.idnumber has no index in Moodle),
     * including the cohorts this page just created: their index rows are in this transaction.
     */
    private Map<String, Long> indexedIds(Connection c, Collection<String> idnumbers) throws SQLException {
        Map<Long, String> byId = new HashMap<>();
        target.index().probe(c, DEFINITIONS, idnumbers).forEach((k, row) -> {
            if (row.moodleId() > 0) byId.put(row.moodleId(), k);
        });
        // still owned? (an administrator may have taken a cohort over): a primary-key lookup
        Map<String, Long> out = new HashMap<>();
        Sql.queryIn(c, target.sql().q("SELECT id FROM {cohort} WHERE component = ? AND id IN " + Sql.IN_LIST), byId.keySet(),
                rs -> out.put(byId.get(rs.getLong(1)), rs.getLong(1)), component);
        return out;
    }

    /** Owned cohort ids by idnumber (in this transaction). */
    private Map<String, Long> ids(Connection c, Collection<String> idnumbers) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        Sql.queryIn(c, target.sql().q("SELECT idnumber, id FROM {cohort} WHERE component = ? AND idnumber IN " + Sql.IN_LIST + " ORDER BY id DESC"), idnumbers,
                rs -> out.put(rs.getString(1), rs.getLong(2)), component);
        return out;
    }

    private void writeMembers(Connection c, List<PendingChange> changes, Set<String> blocked, long runId, long now,
                              EntityReport report, List<Runnable> reports) throws SQLException {
        if (changes.isEmpty()) return;
        Map<String, Long> users = target.index().syncedUserIds(c, changes.stream().map(ch -> ch.record().key()).toList());
        Set<String> wanted = new HashSet<>();
        changes.forEach(ch -> wanted.addAll(ch.record().values("cohorts")));
        Map<String, Long> cohortIds = indexedIds(c, wanted);
        Map<Long, String> idnumberOf = new HashMap<>();
        cohortIds.forEach((k, v) -> idnumberOf.put(v, k));
        List<Long> readIds = target.index().notCreatedInRun(users.values(), runId);
        Owned owned = owned(c, readIds, idnumberOf);
        Set<List<Long>> existing = existingPairs(c, readIds);
        Map<Long, TreeSet<Long>> ownedNow = new HashMap<>();
        List<long[]> add = new ArrayList<>();
        List<long[]> remove = new ArrayList<>();
        List<long[]> restore = new ArrayList<>();
        for (PendingChange ch : changes) {
            Long userId = users.get(ch.record().key());
            if (userId == null) continue; // not (or no longer) a synced user: retried when they are
            Set<Long> desired = new HashSet<>();
            for (String idn : ch.record().values("cohorts")) {
                Long id = cohortIds.get(idn);
                if (id != null && !blocked.contains(idn)) desired.add(id);
            }
            Set<Long> have = owned.current().getOrDefault(userId, Set.of());
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            TreeSet<Long> next = null;
            for (Long id : desired) {
                // there: ent-sync's own, or made by hand (left alone, not adopted)
                if (existing.contains(List.of(id, userId))) continue;
                // one of ent-sync's deleted by hand in Moodle is put back (once the person changes, or by --full)
                if (have.contains(id)) {
                    restore.add(new long[]{id, userId});
                } else {
                    add.add(new long[]{id, userId});
                    (next == null ? next = owned.next(userId) : next).add(id);
                }
                added.add(idnumberOf.get(id));
            }
            for (Long id : have) if (!desired.contains(id)) {
                remove.add(new long[]{id, userId});
                removed.add(idnumberOf.get(id));
                (next == null ? next = owned.next(userId) : next).remove(id);
            }
            if (next != null) ownedNow.put(userId, next);
            if (!added.isEmpty() || !removed.isEmpty()) {
                reports.add(() -> report.membership(ch.record().key(), userId, added, removed));
            } else {
                reports.add(() -> report.add(Count.unchanged, 1));
            }
        }
        insertMembers(c, add, restore, now);
        deleteMembers(c, remove);
        ownership.write(c, owned.stored(), ownedNow);
        target.countBatch(2);
    }

    /**
     * What ent-sync added for these users: every cohort id recorded for them ({@code stored}), and of those the ones
     * of cohorts it still owns under the current year prefix ({@code current}); ids of cohorts deleted since
     * ({@code gone}) are dropped when a user's set is written again.
     */
    record Owned(Map<Long, TreeSet<Long>> stored, Map<Long, Set<Long>> current, Set<Long> gone) {
        /** The set to write for this user: what is recorded, without the cohorts that are gone. */
        TreeSet<Long> next(long userId) {
            TreeSet<Long> next = new TreeSet<>(stored.getOrDefault(userId, new TreeSet<>()));
            next.removeAll(gone);
            return next;
        }
    }

    Owned owned(Connection c, List<Long> userIds, Map<Long, String> idnumberOf) throws SQLException {
        Map<Long, TreeSet<Long>> stored = ownership.read(c, userIds);
        Set<Long> ids = new HashSet<>();
        stored.values().forEach(ids::addAll);
        Map<Long, String> underPrefix = new HashMap<>();
        Set<Long> gone = new HashSet<>(ids);
        Sql.queryIn(c, target.sql().q("SELECT id, idnumber, component FROM {cohort} WHERE id IN " + Sql.IN_LIST), ids, rs -> {
            gone.remove(rs.getLong(1));
            String idnumber = rs.getString(2);
            if (component.equals(rs.getString(3)) && idnumber != null && idnumber.startsWith(yearPrefix)) underPrefix.put(rs.getLong(1), idnumber);
        });
        Map<Long, Set<Long>> current = new HashMap<>();
        stored.forEach((user, cohorts) -> {
            for (Long id : cohorts) {
                String idnumber = underPrefix.get(id);
                if (idnumber == null) continue;
                current.computeIfAbsent(user, k -> new HashSet<>()).add(id);
                idnumberOf.putIfAbsent(id, idnumber);
            }
        });
        return new Owned(stored, current, gone);
    }

    /** (cohortid, userid) pairs already in cohort_members for these users, whoever added them. */
    private Set<List<Long>> existingPairs(Connection c, List<Long> userIds) throws SQLException {
        Set<List<Long>> out = new HashSet<>();
        Sql.queryIn(c, target.sql().q("SELECT cohortid, userid FROM {cohort_members} WHERE userid IN " + Sql.IN_LIST), userIds,
                rs -> out.add(List.of(rs.getLong(1), rs.getLong(2))));
        return out;
    }

    /** New memberships, and ent-sync's own whose cohort_members row went (still recorded as ent-sync's). */
    private void insertMembers(Connection c, List<long[]> add, List<long[]> restore, long now) throws SQLException {
        target.sql().insert(c, "cohort_members", List.of("cohortid", "userid", "timeadded"),
                java.util.stream.Stream.concat(add.stream(), restore.stream()).map(a -> new Object[]{a[0], a[1], now}).toList());
    }

    /** Deletes these cohort_members rows (their ownership is written by the caller). */
    private void deleteMembers(Connection c, List<long[]> remove) throws SQLException {
        if (remove.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(target.sql().q("DELETE FROM {cohort_members} WHERE cohortid = ? AND userid = ?"))) {
            for (long[] r : remove) {
                Sql.bind(ps, r[0], r[1]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Removes every owned membership (under the current prefix) of these users: they left the directory. Returns how
     * many each user lost (users who had none are left out).
     */
    public Map<Long, Integer> removeAllMemberships(Connection c, List<Long> userIds) throws SQLException {
        Owned owned = owned(c, userIds, new HashMap<>());
        List<long[]> remove = new ArrayList<>();
        Map<Long, Integer> lost = new HashMap<>();
        Map<Long, TreeSet<Long>> ownedNow = new HashMap<>();
        owned.current().forEach((u, cohorts) -> {
            cohorts.forEach(co -> remove.add(new long[]{co, u}));
            lost.put(u, cohorts.size());
            TreeSet<Long> next = owned.next(u);
            next.removeAll(cohorts);
            ownedNow.put(u, next);
        });
        deleteMembers(c, remove);
        ownership.write(c, owned.stored(), ownedNow);
        return lost;
    }

    /**
     * The owned cohorts whose source may have disappeared: not seen in this run and without any member (the others
     * still have people in them, skipped as unchanged). One query in every run (~10 ms at 100 000 people on
     * PostgreSQL): reading the ~4 000 unseen definitions and then looking for members of each took ~40 ms, and
     * looking for members ent-sync added, through the users' ownership rows, ~120 ms. A cohort whose people are
     * gone but that still holds members an administrator added is therefore left as it is: deleting it would
     * delete their memberships.
     */
    public List<IndexRow> unseenWithoutMembers(Connection c, long runId) throws SQLException {
        return target.index().unseenWhere(c, DEFINITIONS, runId, "NOT EXISTS (SELECT 1 FROM " + target.sql().t("cohort_members") + " cm WHERE cm.cohortid = moodleid)");
    }

    /** Deletes owned cohorts and their members (removal policy delete). */
    public void deleteCohorts(Connection c, List<Long> cohortIds) throws SQLException {
        // members first, and only of cohorts still owned (an administrator may have taken one over); their ids are
        // dropped from the users' ownership rows when those are next written (OwnedMemberships)
        for (String sqlText : new String[]{
                "DELETE FROM {cohort_members} WHERE cohortid IN (SELECT id FROM {cohort} WHERE component = ? AND id IN " + Sql.IN_LIST + ")",
                "DELETE FROM {cohort} WHERE component = ? AND id IN " + Sql.IN_LIST}) {
            Sql.updateIn(c, target.sql().q(sqlText), cohortIds, component);
        }
    }

    /** Hands owned cohorts over to manual management (component emptied): last year's cohorts. */
    public void release(Connection c, List<Long> cohortIds, long now) throws SQLException {
        Sql.updateIn(c, target.sql().q("UPDATE {cohort} SET component = '', timemodified = ? WHERE component = ? AND id IN " + Sql.IN_LIST), cohortIds, now, component);
    }
}
