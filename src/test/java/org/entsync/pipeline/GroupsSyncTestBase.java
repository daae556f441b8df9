package org.entsync.pipeline;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.config.ConfigException;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.entsync.testsupport.SyncFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Course groups on a real slapd, the same scenario on H2, PostgreSQL and MariaDB. A course is made the way Moodle
 * has one (course row under a school category, its context, default enrol instances); a synced teacher is enrolled
 * in it as editingteacher and some students of their classes are enrolled. Expected groups and members are
 * computed from the directory itself.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class GroupsSyncTestBase extends MoodleDatabaseTest {
    private static final String P = "entsync:";
    private SyncFixture fx;
    private Map<String, String> uaiByDn;
    private SearchResultEntry teacher;
    private GeneratedDirectory.School school;
    private long courseId;
    private long manualId;
    private Set<String> taughtKeys;
    /** The students enrolled by hand at the start (usernames). */
    private final Set<String> enrolled = new TreeSet<>();

    @BeforeAll
    void startDirectory() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(2, 100, 7L, "dc=ent-demo,dc=fr"));
        uaiByDn = new HashMap<>();
        fx.directory.schools().forEach(s -> uaiByDn.put(s.dn().toLowerCase(), s.uai()));
    }

    @AfterAll
    void stopDirectory() {
        mappingCopies.forEach(org.entsync.testsupport.TestWork::delete);
        if (fx != null) fx.close();
    }

    private String uai(String composite) {
        return uaiByDn.get(composite.substring(0, composite.indexOf('$')).toLowerCase());
    }

    private static String uid(SearchResultEntry e) {
        return e.getAttributeValue("uid").toLowerCase();
    }

    /** Class keys the teacher teaches in their school: classes (plain and with subject) and groups. */
    private Set<String> taughtKeys(SearchResultEntry t) {
        Set<String> keys = new TreeSet<>();
        for (String a : List.of("ENTAuxEnsClasses", "ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupes", "ENTAuxEnsGroupesMatieres")) {
            String[] values = t.getAttributeValues(a);
            if (values == null) continue;
            for (String v : values) {
                if (!school.uai().equals(uai(v))) continue;
                String rest = v.substring(v.indexOf('$') + 1);
                String c = rest.contains("$") ? rest.substring(0, rest.indexOf('$')) : rest;
                keys.add(school.uai() + (a.contains("Groupes") ? "$group$" : "$class$") + c);
            }
        }
        return keys;
    }

    /** Class key → usernames of its students, from the directory. */
    private Map<String, Set<String>> studentsByKey() throws Exception {
        Map<String, Set<String>> m = new TreeMap<>();
        for (SearchResultEntry e : fx.search("(objectClass=ENTEleve)")) {
            for (String a : List.of("ENTEleveClasses", "ENTEleveGroupes")) {
                String[] values = e.getAttributeValues(a);
                if (values == null) continue;
                for (String v : values) {
                    m.computeIfAbsent(uai(v) + (a.equals("ENTEleveGroupes") ? "$group$" : "$class$") + v.substring(v.lastIndexOf('$') + 1),
                            k -> new TreeSet<>()).add(uid(e));
                }
            }
        }
        return m;
    }

    /** Owned groups of the course: idnumber → member usernames (any component). */
    private Map<String, Set<String>> ownedGroups() {
        Map<String, Set<String>> m = new TreeMap<>();
        for (Map<String, Object> r : rows("SELECT g.idnumber, u.username FROM {p}groups g LEFT JOIN {p}groups_members gm ON gm.groupid = g.id "
                + "LEFT JOIN {p}user u ON u.id = gm.userid WHERE g.courseid = ? AND g.idnumber LIKE 'entsync:%'", courseId)) {
            Set<String> s = m.computeIfAbsent((String) r.get("idnumber"), k -> new TreeSet<>());
            if (r.get("username") != null) s.add((String) r.get("username"));
        }
        return m;
    }

    private Set<String> enrolledUsernames() {
        Set<String> s = new TreeSet<>();
        for (Map<String, Object> r : rows("SELECT u.username FROM {p}user_enrolments ue JOIN {p}enrol e ON e.id = ue.enrolid JOIN {p}user u ON u.id = ue.userid "
                + "WHERE e.courseid = ?", courseId)) {
            s.add((String) r.get("username"));
        }
        return s;
    }

    private long userId(String username) {
        return count("SELECT id FROM {p}user WHERE username = ?", username);
    }

    /** A course as Moodle creates one: row under the category, context (level 50), default enrol instances. */
    private long createCourse(String shortname, String uai) throws Exception {
        Map<String, Object> cat = rows("SELECT cc.id, x.path, x.depth FROM {p}course_categories cc JOIN {p}context x ON x.contextlevel = 40 AND x.instanceid = cc.id "
                + "WHERE cc.idnumber = ?", uai).get(0);
        long catId = asLong(cat.get("id"));
        update("INSERT INTO {p}course (category, sortorder, fullname, shortname, idnumber, summary, summaryformat, format, showgrades, newsitems, startdate, enddate, "
                + "visible, visibleold, groupmode, groupmodeforce, defaultgroupingid, lang, calendartype, theme, timecreated, timemodified, cacherev) "
                + "VALUES (?, ?, ?, ?, '', '', 1, 'topics', 1, 5, 1700000000, 0, 1, 1, 0, 0, 0, '', '', '', 1700000000, 1700000000, 0)",
                catId, count("SELECT COALESCE(MAX(sortorder), 0) FROM {p}course") + 1, "Course " + shortname, shortname);
        long id = count("SELECT id FROM {p}course WHERE shortname = ?", shortname);
        update("INSERT INTO {p}context (contextlevel, instanceid, path, depth, locked) VALUES (50, ?, NULL, ?, 0)", id, asLong(cat.get("depth")) + 1);
        long ctx = count("SELECT id FROM {p}context WHERE contextlevel = 50 AND instanceid = ?", id);
        update("UPDATE {p}context SET path = ? WHERE id = ?", cat.get("path") + "/" + ctx, ctx);
        long student = count("SELECT id FROM {p}role WHERE shortname = 'student'");
        update("INSERT INTO {p}enrol (enrol, status, courseid, sortorder, roleid, expirythreshold, timecreated, timemodified) VALUES ('manual', 0, ?, 0, ?, 86400, 1700000000, 1700000000)", id, student);
        update("INSERT INTO {p}enrol (enrol, status, courseid, sortorder, roleid, timecreated, timemodified) VALUES ('guest', 1, ?, 1, 0, 1700000000, 1700000000)", id);
        update("INSERT INTO {p}enrol (enrol, status, courseid, sortorder, roleid, customint6, timecreated, timemodified) VALUES ('self', 1, ?, 2, ?, 1, 1700000000, 1700000000)", id, student);
        return id;
    }

    private long courseContext() {
        return count("SELECT id FROM {p}context WHERE contextlevel = 50 AND instanceid = ?", courseId);
    }

    /** Manual enrolment with a role in the course context, as enrol_manual does (component '', itemid 0). */
    private void enrol(String username, String role) throws Exception {
        long uid = userId(username);
        update("INSERT INTO {p}user_enrolments (status, enrolid, userid, timestart, timeend, modifierid, timecreated, timemodified) VALUES (0, ?, ?, 0, 0, 2, 1, 1)", manualId, uid);
        update("INSERT INTO {p}role_assignments (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) "
                + "VALUES ((SELECT id FROM {p}role WHERE shortname = ?), ?, ?, 1, 2, '', 0, 0)", role, courseContext(), uid);
    }

    /** Expected groups: every taught key → its students enrolled in the course. */
    private Map<String, Set<String>> expected(Set<String> keys) throws Exception {
        Map<String, Set<String>> students = studentsByKey();
        Set<String> inCourse = enrolledUsernames();
        Map<String, Set<String>> m = new TreeMap<>();
        for (String k : keys) {
            Set<String> s = new TreeSet<>(students.getOrDefault(k, Set.of()));
            s.retainAll(inCourse);
            m.put(P + k, s);
        }
        return m;
    }

    @Test
    @Order(1)
    void aTeachersCourseGetsOneGroupPerClassTaughtWithItsEnrolledStudents() throws Exception {
        RunReport first = fx.sync();
        assertEquals(Outcome.SUCCESS.label, first.outcome, () -> String.valueOf(first.error));
        // a teacher of one school only, teaching at least two classes
        for (SearchResultEntry t : fx.search("(&(ENTPersonProfils=National_ENS)(ENTAuxEnsClasses=*))")) {
            Set<String> schools = new LinkedHashSet<>();
            for (String v : t.getAttributeValues("ENTAuxEnsClasses")) schools.add(uai(v));
            if (schools.size() == 1 && t.getAttributeValues("ENTAuxEnsClasses").length >= 2) {
                teacher = t;
                break;
            }
        }
        assertTrue(teacher != null, "a teacher with two classes in one school");
        String teacherSchool = uai(teacher.getAttributeValues("ENTAuxEnsClasses")[0]);
        school = fx.directory.schools().stream().filter(s -> s.uai().equals(teacherSchool)).findFirst().orElseThrow();
        taughtKeys = taughtKeys(teacher);
        courseId = createCourse("MATHS-" + uid(teacher), school.uai());
        manualId = count("SELECT id FROM {p}enrol WHERE courseid = ? AND enrol = 'manual'", courseId);
        enrol(uid(teacher), "editingteacher");
        // two thirds of each taught class's students are enrolled by hand
        Map<String, Set<String>> students = studentsByKey();
        for (String k : taughtKeys) {
            List<String> s = new ArrayList<>(students.getOrDefault(k, Set.of()));
            for (int i = 0; i < s.size(); i++) if (i % 3 != 2 && enrolled.add(s.get(i))) enrol(s.get(i), "student");
        }
        // another course of the same teacher under the other school's category: not theirs to group (school-category)
        GeneratedDirectory.School other = fx.directory.schools().stream().filter(s -> s != school).findFirst().orElseThrow();
        long otherCourse = createCourse("OTHER-" + uid(teacher), other.uai());
        long keepCourse = courseId;
        courseId = otherCourse;
        manualId = count("SELECT id FROM {p}enrol WHERE courseid = ? AND enrol = 'manual'", courseId);
        enrol(uid(teacher), "editingteacher");
        courseId = keepCourse;
        manualId = count("SELECT id FROM {p}enrol WHERE courseid = ? AND enrol = 'manual'", courseId);

        long cacherev = count("SELECT cacherev FROM {p}course WHERE id = ?", courseId);
        RunReport r = fx.sync();
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        for (String e : List.of("class-keys", "groups", "group-members")) {
            assertEquals(0, r.entities.get(e).get(Count.failed), () -> e + ": " + r.entities.get(e).getFailures());
        }
        Map<String, Set<String>> want = expected(taughtKeys);
        assertEquals(want, ownedGroups());
        assertTrue(want.values().stream().anyMatch(s -> !s.isEmpty()));
        assertEquals(taughtKeys.size(), r.entities.get("groups").get(Count.created));
        assertEquals(want.values().stream().mapToLong(Set::size).sum(), r.entities.get("group-members").get(Count.added));
        assertTrue(r.entities.get("groups").getChanges().stream().allMatch(c -> c.note().startsWith("course " + courseId + " ")));
        // group names: the class code; members carry ent-sync's component
        for (String k : taughtKeys) {
            assertEquals(k.substring(k.lastIndexOf('$') + 1), rows("SELECT name FROM {p}groups WHERE courseid = ? AND idnumber = ?", courseId, P + k).get(0).get("name"));
        }
        assertEquals(0, count("SELECT COUNT(*) FROM {p}groups_members gm JOIN {p}groups g ON g.id = gm.groupid WHERE g.courseid = ? AND gm.component <> 'local_entsync'", courseId));
        // the other school's course got nothing
        assertEquals(0, count("SELECT COUNT(*) FROM {p}groups WHERE courseid = ?", otherCourse));
        // groupings per kind
        long classGrouping = count("SELECT id FROM {p}groupings WHERE courseid = ? AND idnumber = 'entsync:class'", courseId);
        assertEquals(taughtKeys.stream().filter(k -> k.contains("$class$")).count(),
                count("SELECT COUNT(*) FROM {p}groupings_groups WHERE groupingid = ?", classGrouping));
        // caches: course revision bumped, members flagged dirty
        assertTrue(count("SELECT cacherev FROM {p}course WHERE id = ?", courseId) > cacherev);
        String member = want.values().stream().flatMap(Set::stream).findFirst().orElseThrow();
        assertEquals(1, count("SELECT COUNT(*) FROM {p}cache_flags WHERE flagtype = 'accesslib/dirtyusers' AND name = ?", String.valueOf(userId(member))));
    }

    @Test
    @Order(2)
    void aSecondRunChangesNothing() {
        long cacherev = count("SELECT cacherev FROM {p}course WHERE id = ?", courseId);
        RunReport r = fx.sync();
        assertEquals(0, r.totalChanges(), () -> "changes: " + r.entities);
        assertEquals(cacherev, count("SELECT cacherev FROM {p}course WHERE id = ?", courseId));
    }

    @Test
    @Order(3)
    void aStudentChangingClassMovesBetweenGroups() throws Exception {
        List<String> classes = taughtKeys.stream().filter(k -> k.contains("$class$")).toList();
        String from = classes.get(0);
        String to = classes.get(1);
        Map<String, Set<String>> students = studentsByKey();
        String mover = students.get(from).stream().filter(enrolled::contains).findFirst().orElseThrow();
        SearchResultEntry e = fx.search("(objectClass=ENTEleve)").stream().filter(s -> uid(s).equals(mover)).findFirst().orElseThrow();
        try (LDAPConnection c = fx.ldap()) {
            c.modify(e.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", school.dn() + "$" + to.substring(to.lastIndexOf('$') + 1)));
        }
        RunReport r = fx.sync();
        EntityReport members = r.entities.get("group-members");
        assertEquals(1, members.get(Count.added), () -> members.getChanges().toString());
        assertEquals(1, members.get(Count.removed), () -> members.getChanges().toString());
        assertFalse(ownedGroups().get(P + from).contains(mover));
        assertTrue(ownedGroups().get(P + to).contains(mover));
        assertEquals(expected(taughtKeys), ownedGroups());
    }

    @Test
    @Order(4)
    void handMadeGroupsAndMembersAreUntouched() throws Exception {
        String key = taughtKeys.stream().filter(k -> k.contains("$class$")).findFirst().orElseThrow();
        long groupId = count("SELECT id FROM {p}groups WHERE courseid = ? AND idnumber = ?", courseId, P + key);
        long teacherId = userId(uid(teacher));
        // the teacher adds themself to an owned group, and makes a group of their own with a student in it
        update("INSERT INTO {p}groups_members (groupid, userid, timeadded, component, itemid) VALUES (?, ?, 1, '', 0)", groupId, teacherId);
        update("INSERT INTO {p}groups (courseid, idnumber, name, description, descriptionformat, picture, timecreated, timemodified) VALUES (?, '', 'Atelier', '', 1, 0, 1, 1)", courseId);
        update("INSERT INTO {p}groups (courseid, idnumber, name, description, descriptionformat, picture, timecreated, timemodified) VALUES (?, 'mine-3', 'Soutien', '', 1, 0, 1, 1)", courseId);
        long hand = count("SELECT id FROM {p}groups WHERE courseid = ? AND name = 'Atelier'", courseId);
        String student = enrolled.iterator().next();
        update("INSERT INTO {p}groups_members (groupid, userid, timeadded, component, itemid) VALUES (?, ?, 1, '', 0)", hand, userId(student));
        String before = rows("SELECT g.id, g.idnumber, g.name, g.timemodified, gm.userid, gm.component FROM {p}groups g LEFT JOIN {p}groups_members gm ON gm.groupid = g.id "
                + "WHERE g.courseid = ? AND (g.idnumber NOT LIKE 'entsync:%' OR gm.component = '') ORDER BY g.id, gm.userid", courseId).toString();
        RunReport r = fx.sync(Map.of(), new RunOptions(RunOptions.ALL, true, false, false, "cli"));
        assertEquals(0, r.entities.get("groups").changeCount() + r.entities.get("group-members").changeCount(), () -> "changes: " + r.entities);
        assertEquals(before, rows("SELECT g.id, g.idnumber, g.name, g.timemodified, gm.userid, gm.component FROM {p}groups g LEFT JOIN {p}groups_members gm ON gm.groupid = g.id "
                + "WHERE g.courseid = ? AND (g.idnumber NOT LIKE 'entsync:%' OR gm.component = '') ORDER BY g.id, gm.userid", courseId).toString());
        assertEquals(1, count("SELECT COUNT(*) FROM {p}groups_members WHERE groupid = ? AND userid = ?", groupId, teacherId), "the hand-made member stays");
    }

    @Test
    @Order(5)
    void aClassNoTeacherOfTheCourseTeachesAnyMoreIsKeptNoLongerUpdatedAndReported() throws Exception {
        String dropped = taughtKeys.stream().filter(k -> k.contains("$class$")).reduce((a, b) -> b).orElseThrow();
        String code = dropped.substring(dropped.lastIndexOf('$') + 1);
        List<Modification> mods = new ArrayList<>();
        for (String a : List.of("ENTAuxEnsClasses", "ENTAuxEnsClassesMatieres")) {
            for (String v : teacher.getAttributeValues(a)) {
                if (v.equalsIgnoreCase(school.dn() + "$" + code) || v.toLowerCase().startsWith((school.dn() + "$" + code + "$").toLowerCase())) {
                    mods.add(new Modification(ModificationType.DELETE, a, v));
                }
            }
        }
        try (LDAPConnection c = fx.ldap()) {
            c.modify(teacher.getDN(), mods);
        }
        Set<String> membersBefore = ownedGroups().get(P + dropped);
        RunReport r = fx.sync();
        assertTrue(r.entities.get("groups").getChanges().stream().anyMatch(ch -> ch.key().equals(P + dropped) && ch.action().equals("kept")
                && ch.note().contains("course " + courseId)), () -> r.entities.get("groups").getChanges().toString());
        assertEquals(membersBefore, ownedGroups().get(P + dropped), "kept as it was");
        // no longer updated: a student leaving that class stays in the kept group; reported once only
        String leaver = membersBefore.iterator().next();
        SearchResultEntry e = fx.search("(objectClass=ENTEleve)").stream().filter(s -> uid(s).equals(leaver)).findFirst().orElseThrow();
        String other = taughtKeys.stream().filter(k -> k.contains("$class$") && !k.equals(dropped)).findFirst().orElseThrow();
        try (LDAPConnection c = fx.ldap()) {
            c.modify(e.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", school.dn() + "$" + other.substring(other.lastIndexOf('$') + 1)));
        }
        RunReport again = fx.sync();
        assertTrue(ownedGroups().get(P + dropped).contains(leaver));
        assertTrue(ownedGroups().get(P + other).contains(leaver));
        assertTrue(again.entities.get("groups").getChanges().stream().noneMatch(ch -> ch.key().equals(P + dropped)));
        RunReport third = fx.sync();
        assertEquals(0, third.totalChanges(), () -> "changes: " + third.entities);
    }

    @Test
    @Order(6)
    void withEnrolmentOnTheClassStudentsAreEnrolledAndGrouped() throws Exception {
        Path dir = mappingsWithGroups(yaml -> yaml.replace("enrol: {enabled: false, role: student}", "enrol: {enabled: true, role: student}"));
        Map<String, String> settings = Map.of("entsync.mapping.dir", dir.toString());
        RunReport r = fx.sync(settings, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        Map<String, Set<String>> students = studentsByKey();
        Set<String> active = taughtKeys(fx.search("(uid=" + teacher.getAttributeValue("uid") + ")").get(0));
        for (String k : active) {
            Set<String> members = new TreeSet<>(ownedGroups().get(P + k));
            members.remove(uid(teacher)); // added by hand in an earlier test
            assertEquals(students.getOrDefault(k, Set.of()), members, k);
            assertTrue(enrolledUsernames().containsAll(students.getOrDefault(k, Set.of())));
        }
        assertTrue(r.entities.get("group-enrolments").get(Count.created) > 0);
        // ent-sync's enrolments: in the manual instance, with the student role owned by ent-sync (itemid = the instance)
        assertEquals(r.entities.get("group-enrolments").get(Count.created), count("SELECT COUNT(*) FROM {p}role_assignments ra JOIN {p}role ro ON ro.id = ra.roleid "
                + "WHERE ro.shortname = 'student' AND ra.component = 'local_entsync' AND ra.itemid = ? AND ra.contextid = ?", manualId, courseContext()));
        RunReport again = fx.sync(settings, RunOptions.defaults());
        assertEquals(0, again.totalChanges(), () -> "changes: " + again.entities);
        // a student ent-sync enrolled leaves the class: out of the group, enrolment suspended (removal policy suspend)
        long madeByUs = count("SELECT MIN(userid) FROM {p}entsync_enrol WHERE courseid = ?", courseId);
        String leaver = rows("SELECT username FROM {p}user WHERE id = ?", madeByUs).get(0).get("username").toString();
        SearchResultEntry e = fx.search("(objectClass=ENTEleve)").stream().filter(s -> uid(s).equals(leaver)).findFirst().orElseThrow();
        String outside = students.keySet().stream().filter(k -> k.startsWith(school.uai() + "$class$") && !active.contains(k)).findFirst().orElse(null);
        try (LDAPConnection c = fx.ldap()) {
            if (outside != null) c.modify(e.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", school.dn() + "$" + outside.substring(outside.lastIndexOf('$') + 1)));
            else c.delete(e.getDN());
            if (e.hasAttribute("ENTEleveGroupes") && outside != null) c.modify(e.getDN(), new Modification(ModificationType.DELETE, "ENTEleveGroupes"));
        }
        RunReport third = fx.sync(settings, new RunOptions(RunOptions.ALL, false, false, true, "cli"));
        assertEquals(1, third.entities.get("group-enrolments").get(Count.suspended), () -> third.entities.get("group-enrolments").getChanges().toString());
        assertEquals(1, count("SELECT status FROM {p}user_enrolments WHERE enrolid = ? AND userid = ?", manualId, madeByUs));
        assertTrue(ownedGroups().entrySet().stream().filter(g -> active.contains(g.getKey().substring(P.length()))).noneMatch(g -> g.getValue().contains(leaver)));
    }

    @Test
    @Order(8)
    void aCourseWhoseIdnumberMatchesTheKeyPatternReceivesThatClassGroup() throws Exception {
        GeneratedDirectory.School other = fx.directory.schools().stream().filter(s -> s != school).findFirst().orElseThrow();
        Map<String, Set<String>> students = studentsByKey();
        String key = students.keySet().stream().filter(k -> k.startsWith(other.uai() + "$class$")).findFirst().orElseThrow();
        String otherKey = students.keySet().stream().filter(k -> k.startsWith(other.uai() + "$class$") && !k.equals(key)).findFirst().orElseThrow();
        String code = key.substring(key.lastIndexOf('$') + 1);
        long keep = courseId;
        long keepManual = manualId;
        courseId = createCourse("KEY-" + code, other.uai());
        update("UPDATE {p}course SET idnumber = ? WHERE id = ?", other.uai() + "$" + code, courseId);
        manualId = count("SELECT id FROM {p}enrol WHERE courseid = ? AND enrol = 'manual'", courseId);
        List<String> inClass = new ArrayList<>(students.get(key));
        enrol(inClass.get(0), "student");
        enrol(inClass.get(1), "student");
        enrol(students.get(otherKey).iterator().next(), "student");
        Path dir = mappingsWithGroups(yaml -> yaml.replace("# courseKey: {field: idnumber, pattern: \"{uai}${code}\"}", "courseKey: {field: idnumber, pattern: \"{uai}${code}\"}"));
        RunReport r = fx.sync(Map.of("entsync.mapping.dir", dir.toString()), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        assertEquals(Map.of(P + key, new TreeSet<>(inClass.subList(0, 2))), ownedGroups());
        courseId = keep;
        manualId = keepManual;
    }

    @Test
    @Order(7)
    void anUnknownRoleInGroupsYamlStopsAtStartUpNamingFileAndField() throws Exception {
        Path dir = mappingsWithGroups(yaml -> yaml.replace("editingRoles: [editingteacher]", "editingRoles: [editingteacher, profdoc]"));
        ConfigException e = assertThrows(ConfigException.class, () -> fx.sync(Map.of("entsync.mapping.dir", dir.toString()), RunOptions.defaults()));
        assertTrue(e.getMessage().contains("sdet/groups.yaml: editingRoles: role 'profdoc' does not exist"), e.getMessage());
    }

    private final List<Path> mappingCopies = new ArrayList<>();

    /** A copy of the sdet mapping profile whose groups.yaml is edited; deleted when the class ends. */
    private Path mappingsWithGroups(java.util.function.UnaryOperator<String> edit) throws java.io.IOException {
        Path dir = Files.createTempDirectory("entsync-groups-mapping");
        mappingCopies.add(dir);
        Path profile = dir.resolve("sdet");
        Files.createDirectories(profile);
        try (var files = Files.list(Path.of("mappings", "sdet"))) {
            for (Path f : files.toList()) Files.copy(f, profile.resolve(f.getFileName()));
        }
        Path groups = profile.resolve("groups.yaml");
        String before = Files.readString(groups);
        String after = edit.apply(before);
        assertFalse(after.equals(before), "the edit must change groups.yaml");
        Files.writeString(groups, after);
        return dir;
    }
}
