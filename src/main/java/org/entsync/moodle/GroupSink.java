package org.entsync.moodle;

import org.entsync.config.SyncConfig;
import org.entsync.diff.IndexRow;
import org.entsync.diff.PendingChange;
import org.entsync.diff.SyncIndex;
import org.entsync.mapping.GroupMapping;
import org.entsync.mapping.GroupMapping.Key;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Course groups from the directory's classes and groups, in two steps.
 * <ol>
 * <li>Per page ({@link #writeKeys}): each person whose class keys changed gets their rows in
 * {@code <prefix>entsync_classkey} made exactly equal to their record (S = student of, T = teaches).</li>
 * <li>Once the people are read ({@link #reconcile}): every bound course (a synced teacher of a class holds an
 * editing role in it, or its idnumber/shortname matches a binding's key pattern, or it already holds an owned group)
 * is reconciled, by chunks of courses: one owned group per class key the course should have (idnumber =
 * prefix + key, unique per course), its members made exactly equal to the students of the class who are enrolled
 * in the course (optionally enrolled first), a grouping per kind, then {@code course.cacherev} bumped and the
 * users whose membership or enrolment changed flagged dirty.</li>
 * </ol>
 * Ownership: a group or grouping is ent-sync's when its idnumber starts with the prefix (groups have no component
 * column); a member when its {@code groups_members.component} is ent-sync's. Nothing else is ever changed.
 */
public final class GroupSink {
    private static final Logger LOG = LoggerFactory.getLogger(GroupSink.class);
    public static final String KEYS = "class-keys";
    public static final String GROUPS = "groups";
    public static final String MEMBERS = "group-members";
    public static final String ENROLMENTS = "group-enrolments";
    static final int COURSE_CHUNK = 200;

    private final TargetDatabase target;
    private final GroupMapping mapping;
    private final SyncConfig.Groups cfg;
    /** Users' removal policy, applied to the enrolments ent-sync made: keep, suspend or delete (= unenrol). */
    private final String enrolRemoval;
    private final CategoryDirectory categories;
    private final Function<String, String> schoolName;
    private final boolean dryRun;
    private final String instance;

    public GroupSink(TargetDatabase target, GroupMapping mapping, SyncConfig.Groups cfg, String enrolRemoval, CategoryDirectory categories,
                     Function<String, String> schoolName, boolean dryRun) {
        this.target = target;
        this.mapping = mapping;
        this.cfg = cfg;
        this.enrolRemoval = enrolRemoval;
        this.categories = categories;
        this.schoolName = schoolName;
        this.dryRun = dryRun;
        this.instance = target.instance();
    }

    private String q(String s) {
        return target.sql().q(s);
    }

    // ------------------------------------------------------------------------------------------------------------
    // 1. class keys per person

    private record KeyRow(String key, String role) {
    }

    public void writeKeys(Connection c, List<PendingChange> changes, long runId, EntityReport report) throws SQLException {
        long now = System.currentTimeMillis() / 1000;
        List<Runnable> reports = new ArrayList<>();
        Map<String, Long> users = target.index().syncedUserIds(c, changes.stream().map(ch -> ch.record().key()).toList());
        Map<Long, Set<KeyRow>> current = currentKeys(c, target.index().notCreatedInRun(users.values(), runId));
        List<Object[]> inserts = new ArrayList<>();
        List<Object[]> deletes = new ArrayList<>();
        for (PendingChange ch : changes) {
            Long userId = users.get(ch.record().key());
            if (userId == null) continue; // not (or no longer) a synced user: retried when they are
            Set<KeyRow> desired = new LinkedHashSet<>();
            ch.record().values("students").forEach(k -> desired.add(new KeyRow(k, "S")));
            ch.record().values("teaches").forEach(k -> desired.add(new KeyRow(k, "T")));
            Set<KeyRow> have = current.getOrDefault(userId, Set.of());
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (KeyRow k : desired) {
                if (!have.contains(k)) {
                    inserts.add(new Object[]{instance, k.key(), userId, k.role()});
                    added.add(k.role() + " " + k.key());
                }
            }
            for (KeyRow k : have) {
                if (!desired.contains(k)) {
                    deletes.add(new Object[]{instance, userId, k.key(), k.role()});
                    removed.add(k.role() + " " + k.key());
                }
            }
            if (added.isEmpty() && removed.isEmpty()) {
                reports.add(() -> report.add(Count.unchanged, 1));
            } else {
                Map<String, List<String>> diff = new LinkedHashMap<>();
                if (!added.isEmpty()) diff.put("added", added);
                if (!removed.isEmpty()) diff.put("removed", removed);
                reports.add(() -> report.change(Count.updated, ch.record().key(), userId, diff, null));
            }
        }
        batch(c, "DELETE FROM {entsync_classkey} WHERE instance = ? AND userid = ? AND ckey = ? AND ckrole = ?", deletes);
        target.sql().insert(c, SyncIndex.CLASSKEY_TABLE, List.of("instance", "ckey", "userid", "ckrole"), inserts);
        target.countBatch(2);
        if (dryRun) c.rollback();
        else c.commit();
        reports.forEach(Runnable::run);
    }

    private Map<Long, Set<KeyRow>> currentKeys(Connection c, List<Long> userIds) throws SQLException {
        Map<Long, Set<KeyRow>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT userid, ckey, ckrole FROM {entsync_classkey} WHERE instance = ? AND userid IN " + Sql.IN_LIST), userIds,
                rs -> out.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(new KeyRow(rs.getString(2), rs.getString(3))), instance);
        return out;
    }

    /**
     * Removes the class keys of these users (they left the directory; the reconciliation then takes them out of
     * groups); returns how many each of them had. Caller commits.
     */
    public Map<Long, Integer> removeKeys(Connection c, List<Long> userIds) throws SQLException {
        Map<Long, Integer> lost = new HashMap<>();
        Sql.queryIn(c, q("SELECT userid, COUNT(*) FROM {entsync_classkey} WHERE instance = ? AND userid IN " + Sql.IN_LIST + " GROUP BY userid"), userIds,
                rs -> lost.put(rs.getLong(1), rs.getInt(2)), instance);
        Sql.updateIn(c, q("DELETE FROM {entsync_classkey} WHERE instance = ? AND userid IN " + Sql.IN_LIST), List.copyOf(lost.keySet()), instance);
        return lost;
    }

    private void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(q(sql))) {
            for (Object[] r : rows) {
                Sql.bind(ps, r);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // 2. reconciliation of the bound courses

    private record Course(long id, String shortname, String categoryPath, long contextId) {
    }

    private record Group(long id, long courseId, String idnumber, String name) {
    }

    /** What one reconciliation did, for the run log. */
    public record Outcome(int courses, int changedCourses) {
    }

    /**
     * Reconciles every bound course, chunk by chunk, each chunk in its own transaction (rolled back on a dry run).
     */
    public Outcome reconcile(Connection c, long runId, EntityReport groupReport, EntityReport memberReport, EntityReport enrolReport) throws SQLException {
        Map<Long, Set<String>> keyCourses = keyPatternCourses(c);
        TreeSet<Long> courses = new TreeSet<>(keyCourses.keySet());
        courses.addAll(teacherCourses(c));
        courses.addAll(ownedGroupCourses(c));
        int changed = 0;
        for (List<Long> chunk : Sql.chunks(courses, COURSE_CHUNK)) {
            List<Runnable> reports = new ArrayList<>();
            changed += reconcileChunk(c, chunk, keyCourses, runId, groupReport, memberReport, enrolReport, reports);
            if (dryRun) c.rollback();
            else c.commit();
            reports.forEach(Runnable::run);
        }
        LOG.info("groups: {} bound courses reconciled, {} changed", courses.size(), changed);
        return new Outcome(courses.size(), changed);
    }

    private List<Long> editingRoleIds() {
        return mapping.editingRoles().stream().map(target::roleId).toList();
    }

    private boolean anyByTeacher() {
        return mapping.bindings().values().stream().anyMatch(b -> b.byTeacher);
    }

    /** Courses where a synced teacher with class keys holds an editing role. */
    private Set<Long> teacherCourses(Connection c) throws SQLException {
        Set<Long> out = new HashSet<>();
        if (!anyByTeacher()) return out;
        List<Long> roles = editingRoleIds();
        try (PreparedStatement ps = c.prepareStatement(q("SELECT DISTINCT x.instanceid FROM {role_assignments} ra JOIN {context} x ON x.id = ra.contextid AND x.contextlevel = 50 "
                + "WHERE ra.roleid IN (" + Sql.marks(roles.size()) + ") AND EXISTS (SELECT 1 FROM {entsync_classkey} ck WHERE ck.instance = ? AND ck.userid = ra.userid AND ck.ckrole = 'T')"))) {
            int i = 1;
            for (Long r : roles) ps.setLong(i++, r);
            ps.setString(i, instance);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** Courses that already hold a group ent-sync owns (so that groups no longer wanted follow the removal policy). */
    private Set<Long> ownedGroupCourses(Connection c) throws SQLException {
        Set<Long> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(q("SELECT DISTINCT courseid FROM {groups} WHERE " + prefixTest("idnumber")))) {
            ps.setString(1, cfg.idnumberPrefix());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** "column starts with the prefix", without LIKE (the prefix may hold _). One parameter. */
    private String prefixTest(String column) {
        return "SUBSTRING(" + column + ", 1, " + cfg.idnumberPrefix().length() + ") = ?";
    }

    /** Course id → class keys, for bindings with a course key pattern: each known class key rendered and looked up. */
    private Map<Long, Set<String>> keyPatternCourses(Connection c) throws SQLException {
        Map<Long, Set<String>> out = new HashMap<>();
        List<String> kinds = mapping.keyPatternKinds();
        if (kinds.isEmpty()) return out;
        Map<String, Map<String, List<String>>> byField = new HashMap<>(); // field → rendered key → class keys
        try (PreparedStatement ps = c.prepareStatement(q("SELECT DISTINCT ckey FROM {entsync_classkey} WHERE instance = ?"))) {
            ps.setString(1, instance);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Key k = Key.parse(rs.getString(1));
                    if (!kinds.contains(k.kind())) continue;
                    String rendered = mapping.courseKey(k, schoolName.apply(k.uai()));
                    if (rendered == null || rendered.isEmpty()) continue;
                    byField.computeIfAbsent(mapping.bindings().get(k.kind()).courseKey.field, f -> new HashMap<>())
                            .computeIfAbsent(rendered, r -> new ArrayList<>()).add(k.toString());
                }
            }
        }
        for (Map.Entry<String, Map<String, List<String>>> f : byField.entrySet()) {
            String column = f.getKey().equals("shortname") ? "shortname" : "idnumber";
            Sql.queryIn(c, q("SELECT id, " + column + " FROM {course} WHERE category <> 0 AND " + column + " IN " + Sql.IN_LIST), f.getValue().keySet(), rs -> {
                List<String> keys = f.getValue().get(rs.getString(2));
                if (keys != null) out.computeIfAbsent(rs.getLong(1), x -> new TreeSet<>()).addAll(keys);
            });
        }
        return out;
    }

    private int reconcileChunk(Connection c, List<Long> chunk, Map<Long, Set<String>> keyCourses, long runId,
                               EntityReport groupReport, EntityReport memberReport, EntityReport enrolReport, List<Runnable> reports) throws SQLException {
        long now = System.currentTimeMillis() / 1000;
        Map<Long, Course> courses = courses(c, chunk);
        if (courses.isEmpty()) return 0;
        List<Long> ids = new ArrayList<>(courses.keySet());
        // desired (course → class keys)
        Map<Long, TreeSet<String>> desired = new TreeMap<>();
        for (Long id : ids) {
            Set<String> k = keyCourses.get(id);
            if (k != null) desired.computeIfAbsent(id, x -> new TreeSet<>()).addAll(k);
        }
        teacherPairs(c, ids, courses, desired);
        // existing owned groups
        Map<Long, Map<String, Group>> owned = ownedGroups(c, ids);
        Set<Long> changedCourses = new HashSet<>();
        Set<Long> dirtyUsers = new HashSet<>();
        // kept / revived state lives in the index (entity "groups", key "<courseid>:<class key>")
        Set<String> indexKeys = new HashSet<>();
        owned.forEach((cid, gs) -> gs.keySet().forEach(idn -> indexKeys.add(cid + ":" + idn.substring(cfg.idnumberPrefix().length()))));
        Map<String, IndexRow> index = target.index().probe(c, GROUPS, indexKeys);
        List<String> revived = new ArrayList<>();
        List<IndexRow> keptRows = new ArrayList<>();
        List<Group> toDelete = new ArrayList<>();
        List<Object[]> creates = new ArrayList<>();
        List<Object[]> renames = new ArrayList<>();
        Map<Long, Map<String, String>> wantedNames = new HashMap<>();
        for (Long cid : ids) {
            Course course = courses.get(cid);
            Map<String, Group> have = owned.getOrDefault(cid, Map.of());
            Set<String> want = desired.getOrDefault(cid, new TreeSet<>());
            for (String key : want) {
                Key k = Key.parse(key);
                String idnumber = cfg.idnumberPrefix() + key;
                String name = mapping.groupName(k, schoolName.apply(k.uai()));
                if (idnumber.length() > 100) {
                    reports.add(() -> groupReport.failure(null, key, "idnumber", idnumber, "longer than the 100 characters of groups.idnumber in course " + cid));
                    continue;
                }
                wantedNames.computeIfAbsent(cid, x -> new HashMap<>()).put(idnumber, name);
                Group g = have.get(idnumber);
                IndexRow ix = index.get(cid + ":" + key);
                if (g == null) {
                    creates.add(new Object[]{cid, idnumber, name, now, now});
                    changedCourses.add(cid);
                    reports.add(() -> groupReport.change(Count.created, idnumber, 0, Map.of("name", Arrays.asList(null, name)), courseNote(course)));
                    if (ix != null) revived.add(ix.key());
                } else {
                    if (ix != null && !ix.active()) {
                        revived.add(ix.key());
                        reports.add(() -> groupReport.change(Count.revived, idnumber, g.id(), null, courseNote(course) + ": taught again in this course, updated again"));
                    }
                    if (!name.equals(g.name())) {
                        renames.add(new Object[]{name, now, g.id()});
                        changedCourses.add(cid);
                        reports.add(() -> groupReport.change(Count.updated, idnumber, g.id(), Map.of("name", List.of(g.name(), name)), courseNote(course)));
                    } else if (ix == null || ix.active()) {
                        reports.add(() -> groupReport.add(Count.unchanged, 1));
                    }
                }
            }
            for (Group g : have.values()) {
                if (want.contains(g.idnumber().substring(cfg.idnumberPrefix().length()))) continue;
                String ik = cid + ":" + g.idnumber().substring(cfg.idnumberPrefix().length());
                IndexRow ix = index.get(ik);
                if (ix != null && !ix.active()) continue; // kept earlier: no longer updated
                if (cfg.removal().equals("delete")) {
                    toDelete.add(g);
                    changedCourses.add(cid);
                    reports.add(() -> groupReport.change(Count.deleted, g.idnumber(), g.id(), null, courseNote(course) + ": no teacher of the course teaches it any more"));
                } else {
                    keptRows.add(new IndexRow(ik, "-", g.id(), IndexRow.KEPT, runId));
                    reports.add(() -> groupReport.change(Count.kept, g.idnumber(), g.id(), null, courseNote(course)
                            + ": no teacher of the course teaches it any more; kept by policy, no longer updated"));
                }
            }
        }
        batch(c, "INSERT INTO {groups} (courseid, idnumber, name, description, descriptionformat, picture, timecreated, timemodified) VALUES (?, ?, ?, '', 0, 0, ?, ?)", creates);
        batch(c, "UPDATE {groups} SET name = ?, timemodified = ? WHERE id = ?", renames);
        target.index().delete(c, GROUPS, revived);
        target.index().upsert(c, GROUPS, keptRows, runId, now);
        deleteGroups(c, toDelete);
        if (!creates.isEmpty() || !toDelete.isEmpty()) owned = ownedGroups(c, ids);
        // active groups: the desired ones, by course
        Map<Long, Map<String, Group>> active = new HashMap<>();
        for (Long cid : ids) {
            Map<String, String> names = wantedNames.getOrDefault(cid, Map.of());
            Map<String, Group> have = owned.getOrDefault(cid, Map.of());
            for (String idn : names.keySet()) {
                Group g = have.get(idn);
                if (g != null) active.computeIfAbsent(cid, x -> new HashMap<>()).put(idn, g);
            }
        }
        members(c, courses, active, now, changedCourses, dirtyUsers, memberReport, enrolReport, reports);
        groupings(c, ids, active, now, changedCourses);
        Sql.updateIn(c, q("UPDATE {course} SET cacherev = GREATEST(cacherev + 1, ?) WHERE id IN " + Sql.IN_LIST), changedCourses, now);
        target.dirtyFlags().markUsers(c, dirtyUsers, now, target.site().sessionTimeout());
        target.countBatch(8);
        return changedCourses.size();
    }

    private static String courseNote(Course c) {
        return "course " + c.id() + " (" + c.shortname() + ")";
    }

    private Map<Long, Course> courses(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Course> out = new LinkedHashMap<>();
        Sql.queryIn(c, q("SELECT co.id, co.shortname, cc.path, x.id FROM {course} co JOIN {context} x ON x.contextlevel = 50 AND x.instanceid = co.id "
                        + "LEFT JOIN {course_categories} cc ON cc.id = co.category WHERE co.category <> 0 AND co.id IN " + Sql.IN_LIST + " ORDER BY co.id"), ids,
                rs -> out.put(rs.getLong(1), new Course(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4))));
        return out;
    }

    /** Adds the (course, class key) pairs given by the courses' teachers: their editing role there, the keys they teach. */
    private void teacherPairs(Connection c, List<Long> ids, Map<Long, Course> courses, Map<Long, TreeSet<String>> desired) throws SQLException {
        if (!anyByTeacher()) return;
        List<Long> roles = editingRoleIds();
        List<String[]> pairs = new ArrayList<>();
        Set<String> uais = new HashSet<>();
        List<Object> leading = new ArrayList<>(List.of(instance));
        leading.addAll(roles);
        Sql.queryIn(c, q("SELECT DISTINCT x.instanceid, ck.ckey FROM {role_assignments} ra JOIN {context} x ON x.id = ra.contextid AND x.contextlevel = 50 "
                + "JOIN {entsync_classkey} ck ON ck.userid = ra.userid AND ck.instance = ? AND ck.ckrole = 'T' "
                + "WHERE ra.roleid IN (" + Sql.marks(roles.size()) + ") AND x.instanceid IN " + Sql.IN_LIST), ids, rs -> {
            Key k = Key.parse(rs.getString(2));
            GroupMapping.Binding b = mapping.bindings().get(k.kind());
            if (b == null || !b.byTeacher) return;
            pairs.add(new String[]{String.valueOf(rs.getLong(1)), rs.getString(2), k.uai()});
            uais.add(k.uai());
        }, leading.toArray());
        Map<String, CategoryDirectory.CategoryRef> cats = mapping.anyCourse() ? Map.of() : categories.resolve(c, uais);
        for (String[] p : pairs) {
            long cid = Long.parseLong(p[0]);
            Course course = courses.get(cid);
            if (course == null) continue;
            if (!mapping.anyCourse()) {
                CategoryDirectory.CategoryRef cat = cats.get(p[2]);
                if (cat == null || course.categoryPath() == null || !(course.categoryPath() + "/").contains("/" + cat.categoryId() + "/")) continue;
            }
            desired.computeIfAbsent(cid, x -> new TreeSet<>()).add(p[1]);
        }
    }

    private Map<Long, Map<String, Group>> ownedGroups(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Map<String, Group>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT id, courseid, idnumber, name FROM {groups} WHERE " + prefixTest("idnumber") + " AND courseid IN " + Sql.IN_LIST + " ORDER BY id"), ids, rs -> {
            String idn = rs.getString(3);
            if (idn.length() <= cfg.idnumberPrefix().length() || idn.substring(cfg.idnumberPrefix().length()).split("\\$", 3).length < 3) return;
            out.computeIfAbsent(rs.getLong(2), x -> new HashMap<>()).putIfAbsent(idn, new Group(rs.getLong(1), rs.getLong(2), idn, rs.getString(4)));
        }, cfg.idnumberPrefix());
        return out;
    }

    /** Removal policy delete: the group, its members (all of them, as groups_delete_group does) and its grouping links. */
    private void deleteGroups(Connection c, List<Group> groups) throws SQLException {
        if (groups.isEmpty()) return;
        List<Long> ids = groups.stream().map(Group::id).toList();
        for (String t : List.of("groups_members", "groupings_groups")) Sql.updateIn(c, q("DELETE FROM {" + t + "} WHERE groupid IN " + Sql.IN_LIST), ids);
        Sql.updateIn(c, q("DELETE FROM {groups} WHERE " + prefixTest("idnumber") + " AND id IN " + Sql.IN_LIST), ids, cfg.idnumberPrefix());
    }

    private record Student(long userId, String username) {
    }

    private record OwnEnrolment(long courseId, long enrolId, long userId, long roleId, int status, boolean exists) {
    }

    /** Enrolments (optional) and memberships of the active owned groups of a chunk. */
    private void members(Connection c, Map<Long, Course> courses, Map<Long, Map<String, Group>> active, long now, Set<Long> changedCourses, Set<Long> dirty,
                         EntityReport memberReport, EntityReport enrolReport, List<Runnable> reports) throws SQLException {
        List<Long> ids = new ArrayList<>(courses.keySet());
        Set<String> keys = new HashSet<>();
        active.values().forEach(m -> m.keySet().forEach(idn -> keys.add(idn.substring(cfg.idnumberPrefix().length()))));
        Map<String, List<Student>> students = students(c, keys);
        Map<Long, Set<Long>> enrolled = enrolled(c, ids);
        Map<Long, String> usernames = new HashMap<>();
        students.values().forEach(l -> l.forEach(s -> usernames.put(s.userId(), s.username())));

        // optional enrolment: students of enrol-enabled keys who are not enrolled, through the course's manual instance
        Map<Long, Map<Long, Long>> wantEnrol = new HashMap<>(); // course → user → role
        for (Map.Entry<Long, Map<String, Group>> e : active.entrySet()) {
            for (String idn : e.getValue().keySet()) {
                String key = idn.substring(cfg.idnumberPrefix().length());
                GroupMapping.Binding b = mapping.bindings().get(Key.parse(key).kind());
                if (b == null || !b.enrol.enabled) continue;
                long role = target.roleId(b.enrol.role);
                for (Student s : students.getOrDefault(key, List.of())) wantEnrol.computeIfAbsent(e.getKey(), x -> new HashMap<>()).putIfAbsent(s.userId(), role);
            }
        }
        Map<Long, List<OwnEnrolment>> own = ownEnrolments(c, ids);
        boolean anyEnrol = mapping.bindings().values().stream().anyMatch(b -> b.enrol.enabled);
        if (anyEnrol || !own.isEmpty()) {
            Map<Long, Long> manual = manualInstances(c, ids);
            List<Object[]> ueInserts = new ArrayList<>();
            List<Object[]> raInserts = new ArrayList<>();
            List<Object[]> ownInserts = new ArrayList<>();
            List<Object[]> statusUpdates = new ArrayList<>();
            List<OwnEnrolment> unenrol = new ArrayList<>();
            for (Long cid : ids) {
                Course course = courses.get(cid);
                Map<Long, Long> want = wantEnrol.getOrDefault(cid, Map.of());
                Set<Long> inCourse = enrolled.computeIfAbsent(cid, x -> new HashSet<>());
                Map<Long, OwnEnrolment> mine = new HashMap<>();
                for (OwnEnrolment o : own.getOrDefault(cid, List.of())) mine.put(o.userId(), o);
                for (Map.Entry<Long, Long> w : want.entrySet()) {
                    long uid = w.getKey();
                    OwnEnrolment o = mine.get(uid);
                    if (o != null && o.exists() && o.status() != 0) {
                        statusUpdates.add(new Object[]{0, now, o.enrolId(), uid});
                        changedCourses.add(cid);
                        dirty.add(uid);
                        reports.add(() -> enrolReport.change(Count.revived, usernames.get(uid) + "@" + course.shortname(), cid, null, courseNote(course) + ": back in the class, enrolment reactivated"));
                    }
                    if (inCourse.contains(uid)) continue;
                    Long enrolId = manual.get(cid);
                    if (enrolId == null) {
                        enrolId = createManualInstance(c, cid, w.getValue(), now);
                        manual.put(cid, enrolId);
                        long eid = enrolId;
                        reports.add(() -> enrolReport.change(Count.created, "manual@" + course.shortname(), eid, null, courseNote(course) + ": manual enrolment instance created"));
                    }
                    ueInserts.add(new Object[]{enrolId, uid, now, now});
                    if (o != null) unenrolTrackingOnly(c, o);
                    ownInserts.add(new Object[]{instance, cid, enrolId, uid, w.getValue()});
                    raInserts.add(new Object[]{w.getValue(), course.contextId(), uid, now, cfg.component(), enrolId});
                    inCourse.add(uid);
                    changedCourses.add(cid);
                    dirty.add(uid);
                    reports.add(() -> enrolReport.change(Count.created, usernames.get(uid) + "@" + course.shortname(), cid, null, courseNote(course) + ": enrolled to be grouped"));
                }
                for (OwnEnrolment o : mine.values()) {
                    if (want.containsKey(o.userId())) continue;
                    if (!o.exists()) {
                        unenrolTrackingOnly(c, o); // unenrolled by someone else meanwhile: nothing left to undo
                        continue;
                    }
                    String who = usernameOf(c, o.userId(), usernames) + "@" + course.shortname();
                    switch (enrolRemoval) {
                        case "keep" -> { }
                        case "suspend" -> {
                            if (o.status() == 0) {
                                statusUpdates.add(new Object[]{1, now, o.enrolId(), o.userId()});
                                changedCourses.add(cid);
                                dirty.add(o.userId());
                                reports.add(() -> enrolReport.change(Count.suspended, who, cid, null, courseNote(course) + ": no longer in an enrolled class"));
                            }
                        }
                        default -> {
                            unenrol.add(o);
                            changedCourses.add(cid);
                            dirty.add(o.userId());
                            reports.add(() -> enrolReport.change(Count.deleted, who, cid, null, courseNote(course) + ": no longer in an enrolled class, unenrolled"));
                        }
                    }
                }
            }
            batch(c, "INSERT INTO {user_enrolments} (status, enrolid, userid, timestart, timeend, modifierid, timecreated, timemodified) VALUES (0, ?, ?, 0, 0, 0, ?, ?)", ueInserts);
            insertRoleAssignments(c, raInserts);
            batch(c, "INSERT INTO {entsync_enrol} (instance, courseid, enrolid, userid, roleid) VALUES (?, ?, ?, ?, ?)", ownInserts);
            batch(c, "UPDATE {user_enrolments} SET status = ?, timemodified = ? WHERE enrolid = ? AND userid = ?", statusUpdates);
            unenrol(c, unenrol, courses);
            if (!unenrol.isEmpty()) enrolled = enrolled(c, ids); // an unenrolled student may still be enrolled otherwise
        }

        // memberships: exactly the class's students enrolled in the course (members with another component are left alone)
        List<Long> groupIds = new ArrayList<>();
        active.values().forEach(m -> m.values().forEach(g -> groupIds.add(g.id())));
        Map<Long, Map<Long, String>> current = currentMembers(c, groupIds);
        List<Object[]> adds = new ArrayList<>();
        List<Object[]> removes = new ArrayList<>();
        List<Object[]> touched = new ArrayList<>();
        for (Map.Entry<Long, Map<String, Group>> e : active.entrySet()) {
            long cid = e.getKey();
            Course course = courses.get(cid);
            Set<Long> inCourse = enrolled.getOrDefault(cid, Set.of());
            for (Group g : e.getValue().values()) {
                String key = g.idnumber().substring(cfg.idnumberPrefix().length());
                Set<Long> want = new HashSet<>();
                for (Student s : students.getOrDefault(key, List.of())) if (inCourse.contains(s.userId())) want.add(s.userId());
                Map<Long, String> have = current.getOrDefault(g.id(), Map.of());
                List<String> added = new ArrayList<>();
                List<String> removed = new ArrayList<>();
                for (Long uid : want) {
                    if (have.containsKey(uid)) continue; // already a member (ours, or added by hand: left as it is)
                    adds.add(new Object[]{g.id(), uid, now, cfg.component()});
                    added.add(usernames.getOrDefault(uid, String.valueOf(uid)));
                    dirty.add(uid);
                }
                for (Map.Entry<Long, String> h : have.entrySet()) {
                    if (!cfg.component().equals(h.getValue()) || want.contains(h.getKey())) continue;
                    removes.add(new Object[]{g.id(), h.getKey(), cfg.component()});
                    removed.add(usernameOf(c, h.getKey(), usernames));
                    dirty.add(h.getKey());
                }
                if (added.isEmpty() && removed.isEmpty()) continue;
                touched.add(new Object[]{now, g.id()});
                changedCourses.add(cid);
                Collections.sort(added);
                Collections.sort(removed);
                reports.add(() -> memberReport.membership(g.idnumber(), g.id(), added, removed, courseNote(course)));
            }
        }
        batch(c, "INSERT INTO {groups_members} (groupid, userid, timeadded, component, itemid) VALUES (?, ?, ?, ?, 0)", adds);
        batch(c, "DELETE FROM {groups_members} WHERE groupid = ? AND userid = ? AND component = ?", removes);
        batch(c, "UPDATE {groups} SET timemodified = ? WHERE id = ?", touched);
    }

    private String usernameOf(Connection c, long userId, Map<Long, String> known) throws SQLException {
        String u = known.get(userId);
        if (u != null) return u;
        u = Sql.stringValue(c, q("SELECT username FROM {user} WHERE id = ?"), userId);
        known.put(userId, u == null ? String.valueOf(userId) : u);
        return known.get(userId);
    }

    /** Class key → its students (synced, not deleted). */
    private Map<String, List<Student>> students(Connection c, Set<String> keys) throws SQLException {
        Map<String, List<Student>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT ck.ckey, ck.userid, u.username FROM {entsync_classkey} ck JOIN {user} u ON u.id = ck.userid "
                        + "WHERE ck.instance = ? AND ck.ckrole = 'S' AND u.deleted = 0 AND ck.ckey IN " + Sql.IN_LIST), keys,
                rs -> out.computeIfAbsent(rs.getString(1), x -> new ArrayList<>()).add(new Student(rs.getLong(2), rs.getString(3))), instance);
        return out;
    }

    /** Course → users with any enrolment in it (active or not: groups_add_member only asks is_enrolled). */
    private Map<Long, Set<Long>> enrolled(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Set<Long>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT e.courseid, ue.userid FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid IN " + Sql.IN_LIST), ids,
                rs -> out.computeIfAbsent(rs.getLong(1), x -> new HashSet<>()).add(rs.getLong(2)));
        return out;
    }

    private Map<Long, List<OwnEnrolment>> ownEnrolments(Connection c, List<Long> ids) throws SQLException {
        Map<Long, List<OwnEnrolment>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT en.courseid, en.enrolid, en.userid, en.roleid, ue.status, ue.id FROM {entsync_enrol} en "
                + "LEFT JOIN {user_enrolments} ue ON ue.enrolid = en.enrolid AND ue.userid = en.userid WHERE en.instance = ? AND en.courseid IN " + Sql.IN_LIST), ids, rs -> {
            rs.getLong(6);
            boolean exists = !rs.wasNull();
            out.computeIfAbsent(rs.getLong(1), x -> new ArrayList<>())
                    .add(new OwnEnrolment(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), exists));
        }, instance);
        return out;
    }

    private void unenrolTrackingOnly(Connection c, OwnEnrolment o) throws SQLException {
        Sql.update(c, q("DELETE FROM {entsync_enrol} WHERE instance = ? AND enrolid = ? AND userid = ?"), instance, o.enrolId(), o.userId());
    }

    /** The first manual enrolment instance of each course. */
    private Map<Long, Long> manualInstances(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT courseid, id FROM {enrol} WHERE enrol = 'manual' AND courseid IN " + Sql.IN_LIST + " ORDER BY id"), ids,
                rs -> out.putIfAbsent(rs.getLong(1), rs.getLong(2)));
        return out;
    }

    /** As enrol_plugin::add_instance() for manual: status 0, sortorder max + 1, roleid = the default role. */
    private long createManualInstance(Connection c, long courseId, long roleId, long now) throws SQLException {
        long sort = Sql.longValue(c, q("SELECT COALESCE(MAX(sortorder) + 1, 0) FROM {enrol} WHERE courseid = ?"), courseId);
        Sql.update(c, q("INSERT INTO {enrol} (enrol, status, courseid, sortorder, roleid, enrolperiod, enrolstartdate, enrolenddate, expirynotify, expirythreshold, "
                + "notifyall, timecreated, timemodified) VALUES ('manual', 0, ?, ?, ?, 0, 0, 0, 0, 86400, 0, ?, ?)"), courseId, sort, roleId, now, now);
        return Sql.longValue(c, q("SELECT MIN(id) FROM {enrol} WHERE enrol = 'manual' AND courseid = ?"), courseId);
    }

    private void insertRoleAssignments(Connection c, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        List<Object[]> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(q("SELECT COUNT(*) FROM {role_assignments} WHERE roleid = ? AND contextid = ? AND userid = ? AND component = ? AND itemid = ?"))) {
            for (Object[] r : rows) {
                Sql.bind(ps, r[0], r[1], r[2], r[4], r[5]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(1) == 0) missing.add(r);
                }
            }
        }
        batch(c, "INSERT INTO {role_assignments} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) VALUES (?, ?, ?, ?, 0, ?, ?, 0)", missing);
    }

    /**
     * Undoes enrolments ent-sync made, as unenrol_user() for what is ours: our group memberships in the course, our
     * role assignment, the user_enrolments row, the tracking row.
     */
    private void unenrol(Connection c, List<OwnEnrolment> list, Map<Long, Course> courses) throws SQLException {
        if (list.isEmpty()) return;
        List<Object[]> members = new ArrayList<>();
        List<Object[]> roles = new ArrayList<>();
        List<Object[]> ue = new ArrayList<>();
        List<Object[]> mine = new ArrayList<>();
        for (OwnEnrolment o : list) {
            members.add(new Object[]{o.userId(), cfg.component(), o.courseId()});
            roles.add(new Object[]{o.userId(), courses.get(o.courseId()).contextId(), cfg.component(), o.enrolId()});
            ue.add(new Object[]{o.enrolId(), o.userId()});
            mine.add(new Object[]{instance, o.enrolId(), o.userId()});
        }
        batch(c, "DELETE FROM {groups_members} WHERE userid = ? AND component = ? AND groupid IN (SELECT id FROM {groups} WHERE courseid = ?)", members);
        batch(c, "DELETE FROM {role_assignments} WHERE userid = ? AND contextid = ? AND component = ? AND itemid = ?", roles);
        batch(c, "DELETE FROM {user_enrolments} WHERE enrolid = ? AND userid = ?", ue);
        batch(c, "DELETE FROM {entsync_enrol} WHERE instance = ? AND enrolid = ? AND userid = ?", mine);
    }

    /** Group id → member user id → component. */
    private Map<Long, Map<Long, String>> currentMembers(Connection c, List<Long> groupIds) throws SQLException {
        Map<Long, Map<Long, String>> out = new HashMap<>();
        Sql.queryIn(c, q("SELECT groupid, userid, component FROM {groups_members} WHERE groupid IN " + Sql.IN_LIST), groupIds,
                rs -> out.computeIfAbsent(rs.getLong(1), x -> new HashMap<>()).put(rs.getLong(2), rs.getString(3) == null ? "" : rs.getString(3)));
        return out;
    }

    /** One owned grouping per kind (idnumber = prefix + kind) holding the kind's active owned groups, when enabled. */
    private void groupings(Connection c, List<Long> ids, Map<Long, Map<String, Group>> active, long now, Set<Long> changedCourses) throws SQLException {
        if (mapping.bindings().values().stream().noneMatch(b -> b.grouping.enabled)) return;
        Map<Long, Map<String, long[]>> owned = new HashMap<>(); // course → idnumber → [id]
        Map<Long, String> names = new HashMap<>();
        Sql.queryIn(c, q("SELECT id, courseid, idnumber, name FROM {groupings} WHERE " + prefixTest("idnumber") + " AND courseid IN " + Sql.IN_LIST + " ORDER BY id"),
                ids, rs -> {
                    owned.computeIfAbsent(rs.getLong(2), x -> new HashMap<>()).putIfAbsent(rs.getString(3), new long[]{rs.getLong(1)});
                    names.put(rs.getLong(1), rs.getString(4));
                }, cfg.idnumberPrefix());
        // course → grouping idnumber → group ids that belong in it
        Map<Long, Map<String, Set<Long>>> want = new HashMap<>();
        active.forEach((cid, groups) -> groups.values().forEach(g -> {
            String kind = Key.parse(g.idnumber().substring(cfg.idnumberPrefix().length())).kind();
            GroupMapping.Binding b = mapping.bindings().get(kind);
            if (b != null && b.grouping.enabled) want.computeIfAbsent(cid, x -> new HashMap<>()).computeIfAbsent(cfg.idnumberPrefix() + kind, x -> new HashSet<>()).add(g.id());
        }));
        List<Object[]> renames = new ArrayList<>();
        for (Map.Entry<Long, Map<String, Set<Long>>> e : want.entrySet()) {
            for (String idn : e.getValue().keySet()) {
                String name = mapping.bindings().get(idn.substring(cfg.idnumberPrefix().length())).grouping.name;
                long[] have = owned.getOrDefault(e.getKey(), Map.of()).get(idn);
                if (have == null) {
                    Sql.update(c, q("INSERT INTO {groupings} (courseid, name, idnumber, description, descriptionformat, timecreated, timemodified) VALUES (?, ?, ?, '', 0, ?, ?)"),
                            e.getKey(), name, idn, now, now);
                    long id = Sql.longValue(c, q("SELECT MIN(id) FROM {groupings} WHERE courseid = ? AND idnumber = ?"), e.getKey(), idn);
                    owned.computeIfAbsent(e.getKey(), x -> new HashMap<>()).put(idn, new long[]{id});
                    changedCourses.add(e.getKey());
                } else if (!name.equals(names.get(have[0]))) {
                    renames.add(new Object[]{name, now, have[0]});
                    changedCourses.add(e.getKey());
                }
            }
        }
        batch(c, "UPDATE {groupings} SET name = ?, timemodified = ? WHERE id = ?", renames);
        List<Long> groupingIds = new ArrayList<>();
        owned.values().forEach(m -> m.values().forEach(v -> groupingIds.add(v[0])));
        if (groupingIds.isEmpty()) return;
        Set<List<Long>> links = new HashSet<>();
        Sql.queryIn(c, q("SELECT groupingid, groupid FROM {groupings_groups} WHERE groupingid IN " + Sql.IN_LIST), groupingIds,
                rs -> links.add(List.of(rs.getLong(1), rs.getLong(2))));
        List<Object[]> inserts = new ArrayList<>();
        for (Map.Entry<Long, Map<String, Set<Long>>> e : want.entrySet()) {
            for (Map.Entry<String, Set<Long>> g : e.getValue().entrySet()) {
                long groupingId = owned.get(e.getKey()).get(g.getKey())[0];
                for (Long gid : g.getValue()) {
                    if (links.contains(List.of(groupingId, gid))) continue;
                    inserts.add(new Object[]{groupingId, gid, now});
                    changedCourses.add(e.getKey());
                }
            }
        }
        batch(c, "INSERT INTO {groupings_groups} (groupingid, groupid, timeadded) VALUES (?, ?, ?)", inserts);
    }
}
