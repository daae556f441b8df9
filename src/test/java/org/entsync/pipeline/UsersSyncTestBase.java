package org.entsync.pipeline;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
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

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The users pipeline end to end, on a real slapd with the SDET schema and a real Moodle database; the same
 * scenario runs on H2, PostgreSQL and MariaDB. Tests run in order: each builds on the state the previous left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class UsersSyncTestBase extends MoodleDatabaseTest {
    private static final Set<String> USER_PROFILES = Set.of("ELV", "ENS", "DOC", "DIR", "EVS", "ETA");
    private SyncFixture fx;
    private long expectedUsers;

    @BeforeAll
    void startDirectory() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(3, 60, 7L, "dc=ent-demo,dc=fr"));
        GeneratedDirectory d = fx.directory;
        expectedUsers = USER_PROFILES.stream().mapToLong(d::count).sum();
    }

    @AfterAll
    void stopDirectory() {
        if (fx != null) fx.close();
    }

    private EntityReport users(RunReport r) {
        return r.entities.get("users");
    }

    @Test
    @Order(1)
    void firstRunCreatesEveryUserWithContextAndProfileFields() throws Exception {
        update("INSERT INTO {p}user (auth, confirmed, mnethostid, username, firstname, lastname, email, timecreated, timemodified) "
                + "VALUES ('manual', 1, 1, ?, 'Hand', 'Made', 'hand@made.example', 1, 1)", handMadeUsername());
        long before = count("SELECT COUNT(*) FROM {p}user");
        RunReport r = fx.sync();
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "outcome: " + r.error);
        EntityReport u = users(r);
        assertEquals(0, u.get(Count.failed), () -> "failures: " + u.getFailures());
        assertEquals(expectedUsers - 1, u.get(Count.created));
        assertEquals(1, u.get(Count.updated), "the hand-made account is adopted, not duplicated");
        assertEquals(before + expectedUsers - 1, count("SELECT COUNT(*) FROM {p}user"));
        assertEquals(fx.directory.count("TUT"), u.get(Count.filtered), "parents are off by default");

        // every synced user: lower-case username, confirmed, local mnet host, a correct user context
        List<Map<String, Object>> bad = rows("SELECT u.id, u.username, c.id AS ctx, c.path, c.depth FROM {p}user u "
                + "LEFT JOIN {p}context c ON c.contextlevel = 30 AND c.instanceid = u.id WHERE u.auth = 'cas' AND "
                + "(c.id IS NULL OR c.depth <> 2 OR u.confirmed <> 1 OR u.mnethostid <> 1 OR u.username <> LOWER(u.username))");
        assertTrue(bad.isEmpty(), () -> "users with a wrong context or fields: " + bad);
        for (Map<String, Object> row : rows("SELECT c.id, c.path FROM {p}context c WHERE c.contextlevel = 30")) {
            assertEquals("/1/" + asLong(row.get("id")), row.get("path"));
        }
        assertEquals(expectedUsers, count("SELECT COUNT(*) FROM {p}user WHERE auth = 'cas' OR username = ?", handMadeUsername()));
        // profile fields in the ENT category
        assertEquals(3, count("SELECT COUNT(*) FROM {p}user_info_field f JOIN {p}user_info_category c ON c.id = f.categoryid "
                + "WHERE c.name = 'ENT' AND f.shortname IN ('entprofile', 'entuai', 'entclasses')"));
        assertEquals(fx.directory.count("ELV"), count("SELECT COUNT(*) FROM {p}user_info_data d JOIN {p}user_info_field f ON f.id = d.fieldid "
                + "WHERE f.shortname = 'entprofile' AND d.data = 'ELV'"));
        // a teacher of two schools carries both UAIs
        assertTrue(count("SELECT COUNT(*) FROM {p}user_info_data d JOIN {p}user_info_field f ON f.id = d.fieldid "
                + "WHERE f.shortname = 'entuai' AND d.data LIKE '%,%'") > 0, "someone attached to two schools");
        // new accounts have no session to refresh: no dirty flag for them (role assignments flag their holders)
        Set<String> roleHolders = rows("SELECT DISTINCT userid FROM {p}role_assignments").stream().map(m -> String.valueOf(asLong(m.get("userid"))))
                .collect(Collectors.toSet());
        Set<String> flagged = rows("SELECT name FROM {p}cache_flags WHERE flagtype = 'accesslib/dirtyusers'").stream().map(m -> String.valueOf(m.get("name")))
                .collect(Collectors.toSet());
        flagged.removeAll(roleHolders);
        assertEquals(Set.of(), flagged);
        // a student's institution and department come from the structure and the class
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(0);
        Map<String, Object> row = rows("SELECT institution, department, idnumber, email FROM {p}user WHERE username = ?", student.getAttributeValue("uid")).get(0);
        String cls = student.getAttributeValue("ENTEleveClasses");
        assertEquals(cls.substring(cls.lastIndexOf('$') + 1), row.get("department"));
        assertTrue(String.valueOf(row.get("institution")).contains("-ac-DEMO"));
        String jointure = student.getAttributeValue("ENTPersonJointure");
        assertEquals(jointure.substring(jointure.indexOf('$') + 1), row.get("idnumber"));
    }

    private String handMadeUsername() throws Exception {
        return fx.search("(objectClass=ENTAuxEnseignant)").get(0).getAttributeValue("uid").toLowerCase();
    }

    @Test
    @Order(2)
    void secondRunChangesNothingAndWritesNothing() {
        RunReport r = fx.sync();
        EntityReport u = users(r);
        assertEquals(0, r.totalChanges(), () -> "changes: " + u.getChanges());
        assertEquals(expectedUsers, u.get(Count.unchanged));
        assertFalse(u.getStageMillis().containsKey("write"), "the writer (and its Moodle reads) never ran");
        // the parents the mapping leaves out are remembered as such: skipped, not mapped again, still counted
        assertEquals(fx.directory.count("TUT"), u.get(Count.filtered));
        assertFalse(u.getStageMillis().containsKey("map"), "nobody was mapped again");
        assertEquals(0, r.ldapEntriesFetched, "slapd gives entryCSN: every entry was read as DN and marker only");
    }

    @Test
    @Order(3)
    void changingAFewPeopleUpdatesExactlyThose() throws Exception {
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        List<SearchResultEntry> teachers = fx.search("(&(objectClass=ENTAuxEnseignant)(ENTPersonProfils=National_ENS))");
        SearchResultEntry renamed = students.get(1);
        SearchResultEntry moved = students.get(2);
        SearchResultEntry removed = students.get(3);
        SearchResultEntry teacher = teachers.get(teachers.size() - 1);
        GeneratedDirectory.School other = fx.directory.schools().stream()
                .filter(s -> !teacher.getAttributeValue("ENTPersonStructRattach").equalsIgnoreCase(s.dn())).findFirst().orElseThrow();
        String fingerprintOfRemoved = "SELECT COUNT(*) FROM {p}entsync_index WHERE entity = 'people' AND LOWER(ekey) LIKE ?";
        String removedDn = "uid=" + uid(removed) + ",%";
        assertEquals(1, count(fingerprintOfRemoved, removedDn));
        try (LDAPConnection c = fx.ldap()) {
            c.modify(renamed.getDN(), new Modification(ModificationType.REPLACE, "givenName", "Zoé-Renommée"));
            String cls = moved.getAttributeValue("ENTEleveClasses");
            c.modify(moved.getDN(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", cls.substring(0, cls.lastIndexOf('$')) + "$9Z"));
            c.modify(teacher.getDN(), new Modification(ModificationType.ADD, "ENTPersonFonctions", other.dn() + "$ENS$ENSEIGNEMENT$L0422$ANGLAIS"));
            c.delete(removed.getDN());
        }
        RunReport r = fx.sync();
        EntityReport u = users(r);
        assertEquals(Outcome.SUCCESS.label, r.outcome);
        assertEquals(3, r.ldapEntriesFetched, "only the three entries written since were read whole");
        Set<String> updated = u.getChanges().stream().filter(ch -> ch.action().equals("updated")).map(EntityReport.Change::key).collect(Collectors.toSet());
        assertEquals(Set.of(uid(renamed), uid(moved), uid(teacher)), updated);
        assertEquals(1, u.get(Count.suspended));
        assertEquals(expectedUsers - 4, u.get(Count.unchanged));
        assertEquals("Zoé-Renommée", rows("SELECT firstname FROM {p}user WHERE username = ?", uid(renamed)).get(0).get("firstname"));
        // updated accounts are flagged dirty so that Moodle reloads their access data
        for (SearchResultEntry e : List.of(renamed, moved, teacher)) {
            assertEquals(1, count("SELECT COUNT(*) FROM {p}cache_flags f WHERE f.flagtype = 'accesslib/dirtyusers' AND f.name = ?",
                    String.valueOf(count("SELECT id FROM {p}user WHERE username = ?", uid(e)))), uid(e));
        }
        assertEquals("9Z", rows("SELECT department FROM {p}user WHERE username = ?", uid(moved)).get(0).get("department"));
        assertTrue(String.valueOf(rows("SELECT d.data FROM {p}user_info_data d JOIN {p}user u ON u.id = d.userid JOIN {p}user_info_field f ON f.id = d.fieldid "
                + "WHERE f.shortname = 'entuai' AND u.username = ?", uid(teacher)).get(0).get("data")).contains(other.uai()));
        assertEquals(1, count("SELECT COUNT(*) FROM {p}user WHERE username = ? AND suspended = 1", uid(removed)));
        assertEquals(0, count(fingerprintOfRemoved, removedDn), "the fingerprint of the person who left is forgotten");
        // the removed student's entry is back next time
        try (LDAPConnection c = fx.ldap()) {
            Entry back = new Entry(removed.getDN(), removed.getAttributes().toArray(new Attribute[0]));
            c.add(back);
        }
        RunReport again = fx.sync();
        assertEquals(1, users(again).get(Count.revived));
        assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE username = ? AND suspended = 1", uid(removed)));
        assertEquals(1, users(again).changeCount());
        assertTrue(again.entities.get("cohort-members").get(Count.added) > 0, "back in their cohorts");
    }

    private static String uid(SearchResultEntry e) {
        return e.getAttributeValue("uid").toLowerCase();
    }

    @Test
    @Order(4)
    void emptyOrUnreachableDirectoryRemovesNobody() {
        long suspendedBefore = count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1");
        RunReport empty = fx.sync(Map.of("entsync.ldap.peopleBase", "ou=groups,dc=ent-demo,dc=fr"), RunOptions.defaults());
        assertEquals(Outcome.GUARD_REFUSED.label, empty.outcome);
        assertEquals(3, empty.exitCode);
        assertTrue(users(empty).getGuards().get(0).reason().contains("no entry"));
        RunReport unreachable = fx.sync(Map.of("entsync.ldap.url", "ldap://127.0.0.1:1"), RunOptions.defaults());
        assertEquals(Outcome.FAILED.label, unreachable.outcome);
        assertNotNull(unreachable.error);
        assertEquals(suspendedBefore, count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1"));
        assertEquals(0, fx.sync().totalChanges(), "the next good run finds everything in place");
    }

    @Test
    @Order(5)
    void massRemovalIsRefusedUnlessForced() throws Exception {
        // a filter that loses a third of the people looks like a directory problem: refused
        Map<String, String> partial = Map.of("entsync.schools", fx.directory.schools().get(0).uai());
        RunReport refused = fx.sync(partial, RunOptions.defaults());
        assertEquals(Outcome.GUARD_REFUSED.label, refused.outcome);
        assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1"));
        RunReport dry = fx.sync(partial, new RunOptions(RunOptions.ALL, false, true, true, "cli"));
        assertTrue(users(dry).get(Count.suspended) > 0, "the dry run reports what would be suspended");
        assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "and writes nothing");
    }

    @Test
    @Order(6)
    void badEntriesFailAloneWithAClearReason() throws Exception {
        String suffix = "dc=ent-demo,dc=fr";
        GeneratedDirectory.School school = fx.directory.schools().get(0);
        try (LDAPConnection c = fx.ldap()) {
            c.add(person("badnogiven", suffix, school.dn(), null, "NOGIVEN"));
            c.add(person("Bad User", suffix, school.dn(), "Bad", "USER"));
            c.add(person("badlong", suffix, school.dn(), "L".repeat(150), "LONG"));
            c.add(person("badstruct", suffix, "ENTStructureSIREN=00000000000000,ou=structures," + suffix, "No", "WHERE"));
            c.add(person("goodnew", suffix, school.dn(), "Good", "NEW"));
        }
        RunReport r = fx.sync();
        EntityReport u = users(r);
        Map<String, EntityReport.Failure> byDn = u.getFailures().stream().collect(Collectors.toMap(f -> f.dn().split(",")[0], f -> f));
        assertEquals(4, u.get(Count.failed), () -> "failures: " + u.getFailures());
        assertEquals("firstname", byDn.get("uid=badnogiven").field());
        assertTrue(byDn.get("uid=badnogiven").reason().contains("required"));
        assertEquals("username", byDn.get("uid=Bad User").field());
        assertEquals("firstname", byDn.get("uid=badlong").field());
        assertTrue(byDn.get("uid=badlong").reason().contains("100"));
        assertEquals("institution", byDn.get("uid=badstruct").field());
        assertTrue(byDn.get("uid=badstruct").reason().contains("not found"));
        assertEquals(1, u.get(Count.created));
        assertEquals(1, count("SELECT COUNT(*) FROM {p}user WHERE username = 'goodnew'"));
        assertEquals(Outcome.SUCCESS.label, r.outcome);
    }

    @Test
    @Order(7)
    void changeMarkersReadOnlyWrittenEntriesWhole() throws Exception {
        // the bad entries of the previous test fail every run: never remembered, they are read whole every time
        long alwaysRead = fx.sync().ldapEntriesFetched;
        SearchResultEntry student = fx.search("(objectClass=ENTEleve)").get(5);
        try (LDAPConnection c = fx.ldap()) {
            c.modify(student.getDN(), new Modification(ModificationType.REPLACE, "description", "an attribute no mapping reads"));
        }
        RunReport r = fx.sync();
        assertEquals(alwaysRead + 1, r.ldapEntriesFetched, "its entryCSN changed: read whole");
        assertEquals(0, users(r).get(Count.updated) + users(r).get(Count.created), () -> "changes: " + users(r).getChanges());
        assertEquals(alwaysRead, fx.sync().ldapEntriesFetched, "its new marker was remembered though nothing was written");

        // entsync.ldap.changeMarker=none reads every entry whole; the people it writes keep no marker
        SearchResultEntry renamed = fx.search("(objectClass=ENTEleve)").get(6);
        try (LDAPConnection c = fx.ldap()) {
            c.modify(renamed.getDN(), new Modification(ModificationType.REPLACE, "givenName", "Sans-Marqueur"));
        }
        RunReport none = fx.sync(Map.of("entsync.ldap.changeMarker", "none"), RunOptions.defaults());
        assertEquals(0, none.ldapEntriesFetched);
        assertEquals(1, users(none).get(Count.updated));
        assertEquals("Sans-Marqueur", rows("SELECT firstname FROM {p}user WHERE username = ?", uid(renamed)).get(0).get("firstname"));
        RunReport back = fx.sync();
        assertEquals(alwaysRead + 1, back.ldapEntriesFetched, "the person written without a marker is read whole once");
        assertEquals(0, users(back).get(Count.updated));
        assertEquals(alwaysRead, fx.sync().ldapEntriesFetched);
    }

    @Test
    @Order(8)
    void manyChangedPeopleAreReadWholeBesideTheMarkers() throws Exception {
        // every student renamed, pages of 10: their whole entries are read in several chunks while the markers are
        // read on (UnchangedPeople.fetchWhole), the last ones when the read ends; none may be lost or taken twice
        long alwaysRead = fx.sync().ldapEntriesFetched;
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        assertTrue(students.size() > 100, "enough changed people for several chunks: " + students.size());
        try (LDAPConnection c = fx.ldap()) {
            for (int i = 0; i < students.size(); i++) {
                c.modify(students.get(i).getDN(), new Modification(ModificationType.REPLACE, "givenName", "Lot-" + i));
            }
        }
        Map<String, String> smallPages = Map.of("entsync.ldap.pageSize", "10");
        RunReport r = fx.sync(smallPages, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "outcome: " + r.error);
        assertEquals(alwaysRead + students.size(), r.ldapEntriesFetched);
        assertEquals(students.size(), users(r).get(Count.updated), () -> "changes: " + users(r).getChanges().size());
        for (int i = 0; i < students.size(); i++) {
            assertEquals("Lot-" + i, rows("SELECT firstname FROM {p}user WHERE username = ?", uid(students.get(i))).get(0).get("firstname"));
        }
        RunReport again = fx.sync(smallPages, RunOptions.defaults());
        assertEquals(alwaysRead, again.ldapEntriesFetched, "their new markers were remembered");
        assertEquals(0, again.totalChanges());
    }

    @Test
    void pagesReadBeforeTheFingerprintsAreLoadedWaitForThem() throws Exception {
        // the fingerprints load only once the whole directory is read: every page waits (EarlyPages) and is taken at
        // the end of the read; the renamed people are written, the others skipped, nobody taken for gone
        List<SearchResultEntry> students = fx.search("(objectClass=ENTEleve)");
        try (LDAPConnection c = fx.ldap()) {
            for (int i = 0; i < 3; i++) c.modify(students.get(i).getDN(), new Modification(ModificationType.REPLACE, "givenName", "Tard-" + i));
        }
        RunContext.beforeKnownPeopleLoad = run -> {
            long until = System.currentTimeMillis() + 30_000;
            while (!run.report().timelineHas("people read") && System.currentTimeMillis() < until) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        };
        RunReport r;
        try {
            r = fx.sync(Map.of("entsync.ldap.pageSize", "10"), RunOptions.defaults());
        } finally {
            RunContext.beforeKnownPeopleLoad = run -> {
            };
        }
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "outcome: " + r.error);
        assertTrue(r.timeline.get("people fingerprints loaded") >= r.timeline.get("people read"), () -> "timeline: " + r.timeline);
        assertEquals(3, users(r).get(Count.updated), () -> "changes: " + users(r).getChanges().size());
        assertEquals(0, users(r).get(Count.suspended) + users(r).get(Count.deleted) + users(r).get(Count.kept));
        assertTrue(users(r).get(Count.unchanged) > 100, () -> "unchanged: " + users(r).get(Count.unchanged));
        for (int i = 0; i < 3; i++) {
            assertEquals("Tard-" + i, rows("SELECT firstname FROM {p}user WHERE username = ?", uid(students.get(i))).get(0).get("firstname"));
        }
    }

    private static Entry person(String uid, String suffix, String structureDn, String given, String sn) {
        Entry e = new Entry("uid=" + uid + ",ou=people," + suffix);
        e.addAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", "ENTAuxNonEnsEtab");
        e.addAttribute("uid", uid);
        e.addAttribute("cn", sn + " " + (given == null ? "" : given));
        e.addAttribute("sn", sn);
        if (given != null) e.addAttribute("givenName", given);
        e.addAttribute("ENTPersonLogin", uid.replace(' ', '.'));
        e.addAttribute("ENTPersonJointure", "AC-DEMO$" + Math.abs(uid.hashCode()));
        e.addAttribute("ENTPersonStructRattach", structureDn);
        e.addAttribute("ENTPersonProfils", "National_ETA");
        return e;
    }
}
