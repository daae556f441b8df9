package org.entsync.pipeline;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
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

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Categories, cohorts and role assignments on a real slapd, the same scenario on H2, PostgreSQL and MariaDB.
 * Expected memberships are computed from the directory itself, independently of the mapping code.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class CohortsRolesSyncTestBase extends MoodleDatabaseTest {
    private SyncFixture fx;
    private Map<String, String> uaiByDn;

    @BeforeAll
    void startDirectory() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(3, 60, 11L, "dc=ent-demo,dc=fr"));
        uaiByDn = new HashMap<>();
        fx.directory.schools().forEach(s -> uaiByDn.put(s.dn().toLowerCase(), s.uai()));
    }

    @AfterAll
    void stopDirectory() {
        if (fx != null) fx.close();
    }

    /** idnumber → usernames, from the directory: class, group and student-profile cohorts. */
    private Map<String, Set<String>> expectedStudentCohorts() throws Exception {
        Map<String, Set<String>> m = new TreeMap<>();
        for (SearchResultEntry e : fx.search("(objectClass=ENTEleve)")) {
            String uid = e.getAttributeValue("uid").toLowerCase();
            for (String v : e.getAttributeValues("ENTEleveClasses")) add(m, uai(v) + "$class$" + v.substring(v.lastIndexOf('$') + 1), uid);
            String[] groups = e.getAttributeValues("ENTEleveGroupes");
            if (groups != null) for (String v : groups) add(m, uai(v) + "$group$" + v.substring(v.lastIndexOf('$') + 1), uid);
            add(m, uaiByDn.get(e.getAttributeValue("ENTPersonStructRattach").toLowerCase()) + "$profile$ELV", uid);
        }
        return m;
    }

    private String uai(String composite) {
        return uaiByDn.get(composite.substring(0, composite.indexOf('$')).toLowerCase());
    }

    private static void add(Map<String, Set<String>> m, String k, String v) {
        m.computeIfAbsent(k, x -> new TreeSet<>()).add(v);
    }

    /** idnumber → usernames as Moodle has them, for owned cohorts of the given kinds. */
    private Map<String, Set<String>> actualCohorts(String... kinds) {
        Map<String, Set<String>> m = new TreeMap<>();
        for (Map<String, Object> r : rows("SELECT c.idnumber, u.username FROM {p}cohort c JOIN {p}cohort_members cm ON cm.cohortid = c.id "
                + "JOIN {p}user u ON u.id = cm.userid WHERE c.component = 'local_entsync'")) {
            String idn = (String) r.get("idnumber");
            for (String k : kinds) if (idn.contains("$" + k + "$")) add(m, idn, (String) r.get("username"));
        }
        return m;
    }

    private Set<String> assignments(String role) {
        Set<String> s = new TreeSet<>();
        for (Map<String, Object> r : rows("SELECT u.username, cc.idnumber FROM {p}role_assignments ra JOIN {p}role ro ON ro.id = ra.roleid "
                + "JOIN {p}user u ON u.id = ra.userid JOIN {p}context x ON x.id = ra.contextid AND x.contextlevel = 40 "
                + "JOIN {p}course_categories cc ON cc.id = x.instanceid WHERE ro.shortname = ? AND ra.component = 'local_entsync'", role)) {
            s.add(r.get("username") + "@" + r.get("idnumber"));
        }
        return s;
    }

    private Set<String> expectedAssignments(String filter, boolean allSchools) throws Exception {
        Set<String> s = new TreeSet<>();
        for (SearchResultEntry e : fx.search(filter)) {
            String uid = e.getAttributeValue("uid").toLowerCase();
            for (String f : e.getAttributeValues("ENTPersonFonctions")) s.add(uid + "@" + uai(f));
            if (allSchools) {
                String[] classes = e.getAttributeValues("ENTAuxEnsClasses");
                if (classes != null) for (String v : classes) s.add(uid + "@" + uai(v));
            }
        }
        return s;
    }

    @Test
    @Order(1)
    void firstRunBuildsCategoriesCohortsAndRoles() throws Exception {
        RunReport r = fx.sync();
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        for (String e : List.of("categories", "users", "cohorts", "cohort-members", "role-assignments")) {
            assertEquals(0, r.entities.get(e).get(Count.failed), () -> e + ": " + r.entities.get(e).getFailures());
        }
        // one category per school, with Moodle's path, depth and context
        for (GeneratedDirectory.School s : fx.directory.schools()) {
            Map<String, Object> cat = rows("SELECT cc.id, cc.name, cc.path, cc.depth, cc.parent, x.id AS ctx, x.path AS ctxpath, x.depth AS ctxdepth FROM {p}course_categories cc "
                    + "JOIN {p}context x ON x.contextlevel = 40 AND x.instanceid = cc.id WHERE cc.idnumber = ?", s.uai()).get(0);
            assertEquals("/" + asLong(cat.get("id")), cat.get("path"));
            assertEquals(1, asLong(cat.get("depth")));
            assertEquals("/1/" + asLong(cat.get("ctx")), cat.get("ctxpath"));
            assertEquals(2, asLong(cat.get("ctxdepth")));
            assertEquals(s.nomCourant(), cat.get("name"));
        }
        assertEquals(expectedStudentCohorts(), actualCohorts("class", "group", "profile$ELV".substring(0, 7)).entrySet().stream()
                .filter(e -> !e.getKey().endsWith("$ENS") && !e.getKey().endsWith("$PERS"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new)));
        // cohorts live in their school's category context
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort c JOIN {p}context x ON x.id = c.contextid JOIN {p}course_categories cc ON cc.id = x.instanceid "
                + "WHERE c.component = 'local_entsync' AND (x.contextlevel <> 40 OR SUBSTRING(c.idnumber, 1, 8) <> cc.idnumber)"));
        assertEquals(expectedAssignments("(ENTPersonProfils=National_DIR)", false), assignments("manager"));
        assertEquals(expectedAssignments("(|(ENTPersonProfils=National_ENS)(ENTPersonProfils=National_DOC)(ENTPersonProfils=National_3))", true)
                .stream().filter(a -> true).count(), assignments("coursecreator").size());
        assertTrue(assignments("coursecreator").size() > fx.directory.count("ENS"), "teachers of two schools are course creators in both");
    }

    @Test
    @Order(2)
    void secondRunChangesNothing() {
        RunReport r = fx.sync();
        assertEquals(0, r.totalChanges(), () -> "changes: " + r.entities);
    }

    @Test
    @Order(3)
    void movesProduceExactlyTheExpectedAddsAndRemoves() throws Exception {
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        SearchResultEntry mover = students.get(0);
        String moverClass = mover.getAttributeValue("ENTEleveClasses");
        String structure = moverClass.substring(0, moverClass.lastIndexOf('$'));
        String otherClass = students.stream().map(s -> s.getAttributeValue("ENTEleveClasses"))
                .filter(c -> c.startsWith(structure + "$") && !c.equals(moverClass)).findFirst().orElseThrow();
        SearchResultEntry director = fx.search("(ENTPersonProfils=National_DIR)").get(0);
        SearchResultEntry teacher = fx.search("(&(ENTPersonProfils=National_ENS)(!(ENTPersonProfils=National_DOC)))").stream()
                .filter(t -> t.getAttributeValues("ENTPersonFonctions").length == 1).findFirst().orElseThrow();
        String teacherSchool = teacher.getAttributeValue("ENTPersonStructRattach");
        GeneratedDirectory.School target = fx.directory.schools().stream().filter(s -> !s.dn().equalsIgnoreCase(teacherSchool)).findFirst().orElseThrow();
        Set<String> teacherBefore = assignments("coursecreator").stream().filter(a -> a.startsWith(teacher.getAttributeValue("uid").toLowerCase() + "@")).collect(java.util.stream.Collectors.toSet());
        try (LDAPConnection c = fx.ldap()) {
            c.modify(mover.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", otherClass));
            c.modify(director.getDN(), new Modification(ModificationType.REPLACE, "ENTPersonProfils", "National_ETA"),
                    new Modification(ModificationType.REPLACE, "ENTPersonFonctions", director.getAttributeValue("ENTPersonStructRattach") + "$ADF$PERSONNELS ADMINISTRATIFS$-$SANS OBJET"));
            List<Modification> mods = new java.util.ArrayList<>(List.of(new Modification(ModificationType.REPLACE, "ENTPersonStructRattach", target.dn()),
                    new Modification(ModificationType.REPLACE, "ENTPersonFonctions", target.dn() + "$ENS$ENSEIGNEMENT$L0422$ANGLAIS")));
            for (String a : List.of("ENTAuxEnsClasses", "ENTAuxEnsClassesMatieres", "ENTAuxEnsGroupes", "ENTAuxEnsGroupesMatieres", "ENTAuxEnsClassesPrincipal",
                    "ENTAuxEnsMatiereEnseignEtab")) {
                if (teacher.hasAttribute(a)) mods.add(new Modification(ModificationType.DELETE, a));
            }
            c.modify(teacher.getDN(), mods);
        }
        RunReport r = fx.sync();
        EntityReport members = r.entities.get("cohort-members");
        EntityReport roles = r.entities.get("role-assignments");
        // student: out of one class, into another; teacher: out of the old school's teachers cohort, into the new one's
        assertEquals(2, members.get(Count.added), () -> members.getChanges().toString());
        assertEquals(2, members.get(Count.removed), () -> members.getChanges().toString());
        assertEquals(1 + teacherBefore.size(), roles.get(Count.removed), () -> roles.getChanges().toString()); // the director's manager role too
        assertEquals(1, roles.get(Count.added), () -> roles.getChanges().toString());
        assertTrue(assignments("manager").stream().noneMatch(a -> a.startsWith(director.getAttributeValue("uid").toLowerCase() + "@")));
        assertEquals(Set.of(teacher.getAttributeValue("uid").toLowerCase() + "@" + target.uai()),
                assignments("coursecreator").stream().filter(a -> a.startsWith(teacher.getAttributeValue("uid").toLowerCase() + "@")).collect(java.util.stream.Collectors.toSet()));
        assertEquals(expectedStudentCohorts().get(uai(otherClass) + "$class$" + otherClass.substring(otherClass.lastIndexOf('$') + 1)),
                actualCohorts("class").get(uai(otherClass) + "$class$" + otherClass.substring(otherClass.lastIndexOf('$') + 1)));
        assertEquals(0, r.entities.get("users").get(Count.created) + r.entities.get("cohorts").get(Count.created));
    }

    @Test
    @Order(4)
    void aClassThatDisappearsLeavesAnEmptyKeptCohort() throws Exception {
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        String gone = students.get(5).getAttributeValue("ENTEleveClasses");
        String structure = gone.substring(0, gone.lastIndexOf('$'));
        String other = students.stream().map(s -> s.getAttributeValue("ENTEleveClasses")).filter(c -> c.startsWith(structure + "$") && !c.equals(gone)).findFirst().orElseThrow();
        int moved = 0;
        try (LDAPConnection c = fx.ldap()) {
            for (SearchResultEntry s : students) {
                if (s.getAttributeValue("ENTEleveClasses").equals(gone)) {
                    c.modify(s.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", other));
                    moved++;
                }
            }
        }
        RunReport r = fx.sync(Map.of(), new RunOptions(RunOptions.ALL, false, false, true, "cli"));
        String idnumber = uai(gone) + "$class$" + gone.substring(gone.lastIndexOf('$') + 1);
        assertEquals(1, count("SELECT COUNT(*) FROM {p}cohort WHERE idnumber = ?", idnumber), "kept by the default policy");
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE c.idnumber = ?", idnumber), "and emptied");
        assertTrue(r.entities.get("cohorts").getChanges().stream().anyMatch(ch -> ch.key().equals(idnumber) && ch.action().equals("kept")));
        assertEquals(1, r.entities.get("cohorts").get(Count.kept), "only that one: the others still have members");
        assertEquals(moved, r.entities.get("cohort-members").get(Count.removed));
    }

    @Test
    @Order(5)
    void handMadeCohortsMembersAndAssignmentsAreNeverTouched() throws Exception {
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(10);
        String uid = student.getAttributeValue("uid").toLowerCase();
        long userId = count("SELECT id FROM {p}user WHERE username = ?", uid);
        String cls = student.getAttributeValue("ENTEleveClasses");
        String classIdnumber = uai(cls) + "$class$" + cls.substring(cls.lastIndexOf('$') + 1);
        // a hand-made member of an owned cohort the directory does not put them in
        long foreignCohort = count("SELECT MIN(c.id) FROM {p}cohort c WHERE c.component = 'local_entsync' AND c.idnumber LIKE '%$group$%' AND NOT EXISTS "
                + "(SELECT 1 FROM {p}cohort_members cm WHERE cm.cohortid = c.id AND cm.userid = ?)", userId);
        update("INSERT INTO {p}cohort_members (cohortid, userid, timeadded) VALUES (?, ?, 1)", foreignCohort, userId);
        // a hand-made cohort, with a member, and a manual role assignment in a school category
        update("INSERT INTO {p}cohort (contextid, name, idnumber, description, descriptionformat, visible, component, timecreated, timemodified) "
                + "VALUES (1, 'Mine', 'HAND$MADE', '', 1, 1, '', 1, 1)");
        long handCohort = count("SELECT id FROM {p}cohort WHERE idnumber = 'HAND$MADE'");
        update("INSERT INTO {p}cohort_members (cohortid, userid, timeadded) VALUES (?, ?, 1)", handCohort, userId);
        long catCtx = count("SELECT MIN(id) FROM {p}context WHERE contextlevel = 40");
        long manager = count("SELECT id FROM {p}role WHERE shortname = 'manager'");
        update("INSERT INTO {p}role_assignments (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) VALUES (?, ?, ?, 1, 2, '', 0, 0)", manager, catCtx, userId);
        String before = snapshot(userId, handCohort, foreignCohort);
        // the student leaves the directory, comes back, and a forced full run happens
        try (LDAPConnection c = fx.ldap()) {
            c.delete(student.getDN());
        }
        fx.sync(Map.of(), new RunOptions(RunOptions.ALL, false, false, true, "cli"));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE c.idnumber = ? AND cm.userid = ?", classIdnumber, userId),
                "the owned membership went");
        assertEquals(before, snapshot(userId, handCohort, foreignCohort));
        try (LDAPConnection c = fx.ldap()) {
            c.add(new com.unboundid.ldap.sdk.Entry(student.getDN(), student.getAttributes().toArray(new com.unboundid.ldap.sdk.Attribute[0])));
        }
        fx.sync(Map.of(), new RunOptions(RunOptions.ALL, true, false, true, "cli"));
        assertEquals(before, snapshot(userId, handCohort, foreignCohort));
        assertEquals(1, count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE c.idnumber = ? AND cm.userid = ?", classIdnumber, userId),
                "back in their class");
    }

    @Test
    @Order(6)
    void anIdnumberTakenByAHandMadeCohortIsReportedNotTakenOver() throws Exception {
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(20);
        String cls = student.getAttributeValue("ENTEleveClasses");
        String structure = cls.substring(0, cls.lastIndexOf('$'));
        String idnumber = uai(cls) + "$class$ZZ";
        update("INSERT INTO {p}cohort (contextid, name, idnumber, description, descriptionformat, visible, component, timecreated, timemodified) "
                + "VALUES (1, 'Someone else''s', ?, '', 1, 1, '', 1, 1)", idnumber);
        try (LDAPConnection c = fx.ldap()) {
            c.modify(student.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", structure + "$ZZ"));
        }
        RunReport r = fx.sync();
        assertTrue(r.entities.get("cohorts").getFailures().stream().anyMatch(f -> f.key().equals(idnumber) && f.reason().contains("not managed by ent-sync")),
                () -> r.entities.get("cohorts").getFailures().toString());
        assertEquals(List.of(Map.of("name", "Someone else's", "component", "")), rows("SELECT name, component FROM {p}cohort WHERE idnumber = ?", idnumber));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE c.idnumber = ?", idnumber));
    }

    private String snapshot(long userId, long handCohort, long foreignCohort) {
        return rows("SELECT cohortid, userid FROM {p}cohort_members WHERE userid = ? AND cohortid IN (?, ?) ORDER BY cohortid", userId, handCohort, foreignCohort)
                + " " + rows("SELECT id, name, idnumber, component FROM {p}cohort WHERE id = ?", handCohort)
                + " " + rows("SELECT roleid, contextid, component FROM {p}role_assignments WHERE userid = ? AND component = ''", userId);
    }

    @Test
    @Order(7)
    void aNewYearPrefixReleasesLastYearsCohortsWithoutTouchingTheirMembers() {
        long owned = count("SELECT COUNT(*) FROM {p}cohort WHERE component = 'local_entsync'");
        long members = count("SELECT COUNT(*) FROM {p}cohort_members");
        long manual = count("SELECT COUNT(*) FROM {p}cohort WHERE component = ''");
        RunReport r = fx.sync(YEAR_2026, new RunOptions(RunOptions.ALL, false, false, false, "cli"));
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error) + r.entities.get("cohort-members").getGuards());
        // last year's cohorts are handed over to manual management, with the members they had
        assertEquals(manual + owned, count("SELECT COUNT(*) FROM {p}cohort WHERE component = ''"));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort WHERE component = 'local_entsync' AND idnumber NOT LIKE '2026%'"));
        assertTrue(count("SELECT COUNT(*) FROM {p}cohort WHERE component = 'local_entsync' AND idnumber LIKE '2026%'") > 0);
        long oldMembers = count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE c.idnumber NOT LIKE '2026%'");
        assertEquals(members, oldMembers, "nobody removed from last year's cohorts");
        assertEquals(0, fx.sync(YEAR_2026, RunOptions.defaults()).totalChanges());
    }

    @Test
    @Order(8)
    void anAccountDeletedInMoodleComesBackInItsCohorts() throws Exception {
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(5);
        String uid = student.getAttributeValue("uid").toLowerCase();
        long before = accountOf(student);
        Set<String> cohorts = cohortsOf(before);
        assertTrue(cohorts.size() >= 2, cohorts::toString);
        // what Moodle's delete_user() leaves: the row renamed and marked deleted, its memberships and context gone
        update("UPDATE {p}user SET deleted = 1, username = ?, email = '' WHERE id = ?", "deleted." + uid, before);
        update("DELETE FROM {p}cohort_members WHERE userid = ?", before);
        update("DELETE FROM {p}context WHERE contextlevel = 30 AND instanceid = ?", before);
        try (LDAPConnection c = fx.ldap()) {
            c.modify(student.getDN(), new Modification(ModificationType.REPLACE, "givenName", "Revenant"));
        }
        RunReport r = fx.sync(YEAR_2026, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        long after = count("SELECT id FROM {p}user WHERE username = ? AND deleted = 0", uid);
        assertTrue(after != before, "a new account");
        assertEquals(cohorts, cohortsOf(after), "back in the cohorts the directory gives them");
        assertEquals(0, fx.sync(YEAR_2026, RunOptions.defaults()).totalChanges());
    }

    /**
     * Another entry with the uid of a synced student: the users diff refuses it as a duplicate, and nothing derived
     * from it reaches the student's account (its class would otherwise replace theirs).
     */
    @Test
    @Order(9)
    void anEntryWithTheUidOfAnotherDerivesNothing() throws Exception {
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        SearchResultEntry student = students.get(7);
        String uid = student.getAttributeValue("uid").toLowerCase();
        long userId = accountOf(student);
        Set<String> cohorts = cohortsOf(userId);
        String cls = student.getAttributeValue("ENTEleveClasses");
        String otherClass = students.stream().map(s -> s.getAttributeValue("ENTEleveClasses"))
                .filter(v -> v.startsWith(cls.substring(0, cls.lastIndexOf('$') + 1)) && !v.equals(cls)).findFirst().orElseThrow();
        String impostor = "cn=impostor-" + uid + ",ou=people,dc=ent-demo,dc=fr";
        try (LDAPConnection c = fx.ldap()) {
            com.unboundid.ldap.sdk.Entry e = new com.unboundid.ldap.sdk.Entry(impostor, student.getAttributes());
            e.setAttribute("cn", "impostor-" + uid);
            e.setAttribute("ENTEleveClasses", otherClass);
            e.removeAttribute("ENTEleveGroupes");
            c.add(e);
        }
        try {
            RunReport r = fx.sync(YEAR_2026, RunOptions.defaults());
            assertTrue(r.entities.get("users").getFailures().stream().anyMatch(f -> f.dn().equalsIgnoreCase(impostor) && f.reason().contains("duplicate")),
                    () -> r.entities.get("users").getFailures().toString());
            assertEquals(cohorts, cohortsOf(userId), "the student's cohorts, not the impostor's");
            assertEquals(0, r.entities.get("cohort-members").get(Count.added) + r.entities.get("cohort-members").get(Count.removed),
                    () -> r.entities.get("cohort-members").getChanges().toString());
        } finally {
            try (LDAPConnection c = fx.ldap()) {
                c.delete(impostor);
            }
        }
    }

    /**
     * A teacher who leaves loses every membership, assignment and class key ent-sync gave them, even in a run of
     * users alone, and keeps what was given by hand; a later run of everything finds nothing left to do.
     */
    @Test
    @Order(10)
    void whoLeavesLosesWhatEntSyncGaveEvenInARunOfUsersAlone() throws Exception {
        SearchResultEntry teacher = fx.search("(&(ENTPersonProfils=National_ENS)(ENTAuxEnsClasses=*))").get(0);
        long userId = accountOf(teacher);
        // owned: added by ent-sync, in a cohort still its own (last year's were released to manual management)
        long owned = ownedMemberships(userId);
        long roles = count("SELECT COUNT(*) FROM {p}role_assignments WHERE userid = ? AND component = 'local_entsync'", userId);
        assertTrue(owned > 0 && roles > 0, owned + " memberships, " + roles + " assignments");
        assertTrue(count("SELECT COUNT(*) FROM {p}entsync_classkey WHERE userid = ?", userId) > 0, "teaches classes");
        long handCohort = count("SELECT id FROM {p}cohort WHERE idnumber = 'HAND$MADE'");
        update("INSERT INTO {p}cohort_members (cohortid, userid, timeadded) VALUES (?, ?, 1)", handCohort, userId);
        long sysCtx = count("SELECT id FROM {p}context WHERE contextlevel = 10");
        update("INSERT INTO {p}role_assignments (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) "
                + "SELECT id, ?, ?, 1, 2, '', 0, 0 FROM {p}role WHERE shortname = 'manager'", sysCtx, userId);
        try (LDAPConnection c = fx.ldap()) {
            c.delete(teacher.getDN());
        }
        RunReport r = fx.sync(YEAR_2026, new RunOptions(List.of("users"), false, false, false, "cli"));
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        assertEquals(1, r.entities.get("users").get(Count.suspended));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort_members cm JOIN {p}cohort c ON c.id = cm.cohortid WHERE cm.userid = ? AND c.component = 'local_entsync'", userId));
        assertEquals(0, ownedMemberships(userId));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}role_assignments WHERE userid = ? AND component = 'local_entsync'", userId));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}entsync_classkey WHERE userid = ?", userId));
        assertEquals(1, count("SELECT COUNT(*) FROM {p}cohort_members WHERE userid = ? AND cohortid = ?", userId, handCohort), "hand-made membership kept");
        assertEquals(1, count("SELECT COUNT(*) FROM {p}role_assignments WHERE userid = ? AND component = ''", userId), "hand-made assignment kept");
        assertEquals(owned, r.entities.get("cohort-members").get(Count.removed));
        assertEquals(1, r.entities.get("role-assignments").get(Count.removed));
        RunReport all = fx.sync(YEAR_2026, RunOptions.defaults());
        assertEquals(0, all.totalChanges(), () -> "nothing left behind for a run of everything: " + all.entities);
    }

    /** The memberships ent-sync recorded as its own for this user, in cohorts it still owns. */
    private long ownedMemberships(long userId) throws Exception {
        long n = 0;
        for (Map<String, Object> r : rows("SELECT cohortids FROM {p}entsync_usercohorts WHERE userid = ?", userId)) {
            for (String id : String.valueOf(r.get("cohortids")).split(",")) {
                if (!id.isEmpty()) n += count("SELECT COUNT(*) FROM {p}cohort WHERE id = ? AND component = 'local_entsync'", Long.parseLong(id));
            }
        }
        return n;
    }

    /**
     * A membership ent-sync made and an administrator deleted in Moodle: a run where the person did not change leaves
     * it out (people unchanged since their last sync are not looked at), --full puts it back, once.
     */
    @Test
    @Order(11)
    void aMembershipDeletedByHandComesBackWithFull() throws Exception {
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(12);
        long userId = accountOf(student);
        Set<String> cohorts = cohortsOf(userId);
        String cls = cohorts.stream().filter(c -> c.contains("$class$")).findFirst().orElseThrow();
        update("DELETE FROM {p}cohort_members WHERE userid = ? AND cohortid = (SELECT id FROM {p}cohort WHERE idnumber = ?)", userId, cls);
        assertEquals(0, fx.sync(YEAR_2026, RunOptions.defaults()).totalChanges(), "an unchanged person is not looked at");
        RunReport full = fx.sync(YEAR_2026, new RunOptions(RunOptions.ALL, true, false, false, "cli"));
        assertEquals(Outcome.SUCCESS.label, full.outcome, () -> String.valueOf(full.error));
        assertEquals(cohorts, cohortsOf(userId), "back in the class cohort");
        assertEquals(1, full.entities.get("cohort-members").get(Count.added), () -> full.entities.get("cohort-members").getChanges().toString());
        long clsId = count("SELECT id FROM {p}cohort WHERE idnumber = ?", cls);
        assertEquals(1, count("SELECT COUNT(*) FROM {p}entsync_usercohorts WHERE userid = ? AND cohortids LIKE ?", userId, "%," + clsId + ",%"),
                "still recorded as ent-sync's");
        assertEquals(0, fx.sync(YEAR_2026, new RunOptions(RunOptions.ALL, true, false, false, "cli")).entities.get("cohort-members").get(Count.added));
    }

    /**
     * An owned class cohort whose students all moved to another class, holding a member an administrator added: not
     * deleted (that would delete the hand-made membership); once that member is gone, deleted like any other.
     */
    @Test
    @Order(12)
    void aCohortWhoseSourceWentIsNotDeletedWithAMemberAddedByHand() throws Exception {
        Map<String, String> delete = new java.util.HashMap<>(YEAR_2026);
        delete.put("entsync.cohorts.removal", "delete");
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        SearchResultEntry first = students.get(30);
        String gone = first.getAttributeValue("ENTEleveClasses");
        String structure = gone.substring(0, gone.lastIndexOf('$'));
        String other = students.stream().map(s -> s.getAttributeValue("ENTEleveClasses")).filter(c -> c.startsWith(structure + "$") && !c.equals(gone)).findFirst().orElseThrow();
        String idnumber = cohortsOf(accountOf(first)).stream().filter(c -> c.endsWith("$class$" + gone.substring(gone.lastIndexOf('$') + 1))).findFirst().orElseThrow();
        long cohortId = count("SELECT id FROM {p}cohort WHERE idnumber = ?", idnumber);
        long byHand = accountOf(fx.search("(objectClass=ENTAuxEnseignant)").get(0));
        update("INSERT INTO {p}cohort_members (cohortid, userid, timeadded) VALUES (?, ?, 1)", cohortId, byHand);
        try (LDAPConnection c = fx.ldap()) {
            for (SearchResultEntry s : students) {
                if (s.getAttributeValue("ENTEleveClasses").equals(gone)) c.modify(s.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", other));
            }
        }
        RunReport r = fx.sync(delete, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> String.valueOf(r.error));
        assertTrue(r.entities.get("cohort-members").get(Count.removed) > 0, "its students left it");
        assertEquals(0, r.entities.get("cohorts").get(Count.deleted));
        assertEquals(List.of(byHand), rows("SELECT userid FROM {p}cohort_members WHERE cohortid = ?", cohortId).stream()
                .map(m -> ((Number) m.get("userid")).longValue()).toList(), "the member added by hand is still there");
        update("DELETE FROM {p}cohort_members WHERE cohortid = ? AND userid = ?", cohortId, byHand);
        RunReport again = fx.sync(delete, RunOptions.defaults());
        assertEquals(1, again.entities.get("cohorts").get(Count.deleted), () -> again.entities.get("cohorts").getChanges().toString());
        assertEquals(0, count("SELECT COUNT(*) FROM {p}cohort WHERE id = ?", cohortId));
    }

    /** The year prefix the cohorts carry from test 7 on. */
    private static final Map<String, String> YEAR_2026 = Map.of("entsync.cohorts.yearPrefix", "2026_");

    /** The live Moodle account of a person of the directory. */
    private long accountOf(SearchResultEntry person) {
        return count("SELECT id FROM {p}user WHERE username = ? AND deleted = 0", person.getAttributeValue("uid").toLowerCase());
    }

    private Set<String> cohortsOf(long userId) {
        Set<String> out = new TreeSet<>();
        rows("SELECT c.idnumber FROM {p}cohort c JOIN {p}cohort_members cm ON cm.cohortid = c.id WHERE cm.userid = ? AND c.component = 'local_entsync'", userId)
                .forEach(r -> out.add((String) r.get("idnumber")));
        return out;
    }
}
