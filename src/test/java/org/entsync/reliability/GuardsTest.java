package org.entsync.reliability;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import org.entsync.diff.RemovalGuard;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.pipeline.RunOptions;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guards: the mass-removal guard for every entity type that can be removed (an empty answer, a share above
 * entsync.removal.maxShare, --force-removals, a small share allowed), judged on the entity's index rows so that the
 * same test serves every entity; and a dry run that reports every change while every table of the Moodle database
 * stays byte-identical.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuardsTest extends MoodleDatabaseTest {

    /**
     * An entity whose entries can disappear: the setting holding its search base and an LDAP filter (under that base)
     * for its entries. Adding an entity to the guard tests is one line here.
     */
    record Removable(String entity, String baseSetting, String baseRdn, String filter) {
        @Override
        public String toString() {
            return entity;
        }
    }

    static Stream<Removable> removables() {
        return Stream.of(
                new Removable("users", "entsync.ldap.peopleBase", "ou=people", "(objectClass=ENTEleve)"));
    }

    private SyncFixture fx;
    private String suffix;

    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }

    @BeforeAll
    void start() throws Exception {
        suffix = GeneratorOptions.DEFAULT_SUFFIX;
        fx = new SyncFixture(db, new GeneratorOptions(2, 40, 4L, suffix));
        try (LDAPConnection c = fx.ldap()) {
            Entry empty = new Entry("ou=empty," + suffix);
            empty.addAttribute("objectClass", "top", "organizationalUnit");
            empty.addAttribute("ou", "empty");
            c.add(empty);
        }
        RunReport r = fx.sync();
        assertEquals(Outcome.SUCCESS.label, r.outcome);
    }

    @AfterAll
    void stop() {
        if (fx != null) fx.close();
    }

    @Test
    @Order(1)
    void guardDecisions() {
        assertFalse(RemovalGuard.decide(false, 100, 1, 100, 0.1, true).allowed(), "incomplete: never, even forced");
        assertFalse(RemovalGuard.decide(true, 0, 5, 5, 0.1, false).allowed(), "empty answer");
        assertTrue(RemovalGuard.decide(true, 0, 5, 5, 0.1, true).allowed(), "empty answer, forced");
        assertFalse(RemovalGuard.decide(true, 80, 20, 100, 0.1, false).allowed(), "20 % > 10 %");
        assertTrue(RemovalGuard.decide(true, 80, 20, 100, 0.1, true).allowed(), "20 %, forced");
        assertTrue(RemovalGuard.decide(true, 95, 5, 100, 0.1, false).allowed(), "5 %");
        assertTrue(RemovalGuard.decide(true, 90, 10, 100, 0.1, false).allowed(), "exactly 10 % is allowed");
    }

    @Test
    @Order(2)
    void noStructuresStopsTheRunAndTheReadOfPeopleStartedAhead() throws Exception {
        long active = active("users");
        RunReport r = fx.sync(Map.of("entsync.ldap.structuresBase", "ou=empty," + suffix), RunOptions.defaults());
        assertEquals(Outcome.FAILED.label, r.outcome);
        assertTrue(r.error.contains("no ENTStructure entry"), r.error);
        assertEquals(active, active("users"), "nothing removed");
        // the people were being read ahead once the directory answered: that search is closed with the run
        List<String> readers = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("ldap-read-ahead-people")).toList();
        assertEquals(List.of(), readers);
    }

    @ParameterizedTest
    @MethodSource("removables")
    @Order(2)
    void emptyAnswerRemovesNothing(Removable e) {
        long active = active(e.entity());
        RunReport r = fx.sync(Map.of(e.baseSetting(), "ou=empty," + suffix), RunOptions.defaults());
        assertEquals(Outcome.GUARD_REFUSED.label, r.outcome);
        assertEquals(3, r.exitCode);
        EntityReport er = r.entities.get(e.entity());
        assertTrue(er.guardTripped() && er.getGuards().get(0).reason().contains("no entry"), er.getGuards().toString());
        assertEquals(active, active(e.entity()), "nothing removed");
        assertEquals(0, removedCount(er));
    }

    @ParameterizedTest
    @MethodSource("removables")
    @Order(3)
    void massRemovalRefusedThenForcedThenRestored(Removable e) throws Exception {
        long active = active(e.entity());
        List<Entry> gone = deleteShare(e, 0.15);
        RunReport refused = fx.sync();
        EntityReport er = refused.entities.get(e.entity());
        assertEquals(Outcome.GUARD_REFUSED.label, refused.outcome);
        assertTrue(er.getGuards().get(0).reason().contains("above entsync.removal.maxShare"), er.getGuards().toString());
        assertEquals(active, active(e.entity()), "refused: nothing removed");

        RunReport forced = fx.sync(Map.of(), new RunOptions(RunOptions.ALL, false, false, true, "cli"));
        assertEquals(Outcome.SUCCESS.label, forced.outcome);
        assertEquals(gone.size(), removedCount(forced.entities.get(e.entity())));
        assertEquals(active - gone.size(), active(e.entity()));

        restore(gone);
        RunReport back = fx.sync();
        assertEquals(gone.size(), back.entities.get(e.entity()).get(Count.revived));
        assertEquals(active, active(e.entity()));
    }

    @ParameterizedTest
    @MethodSource("removables")
    @Order(4)
    void aSmallShareIsRemoved(Removable e) throws Exception {
        long active = active(e.entity());
        List<Entry> gone = deleteShare(e, 0.03);
        RunReport r = fx.sync();
        assertEquals(Outcome.SUCCESS.label, r.outcome);
        assertEquals(gone.size(), removedCount(r.entities.get(e.entity())));
        assertEquals(active - gone.size(), active(e.entity()));
        restore(gone);
        assertEquals(gone.size(), fx.sync().entities.get(e.entity()).get(Count.revived));
    }

    @Test
    @Order(5)
    void dryRunReportsEveryChangeAndWritesNothing() throws Exception {
        List<SearchResultEntry> students = new ArrayList<>(fx.search("(objectClass=ENTEleve)"));
        students.sort(Comparator.comparing(SearchResultEntry::getDN));
        try (LDAPConnection c = fx.ldap()) {
            for (int i = 0; i < 3; i++) c.modify(students.get(i).getDN(), new Modification(ModificationType.REPLACE, "givenName", "DryRun" + i));
            c.delete(students.get(3).getDN());
            Entry n = new Entry("uid=dryrunnew,ou=people," + suffix, students.get(4).getAttributes().toArray(new Attribute[0]));
            n.setAttribute("uid", "dryrunnew");
            c.add(n);
        }
        Map<String, List<String>> before = Reliability.dumpAll(db.dataSource());
        Path reports = fx.work().resolve("reports").resolve("default");
        long reportFiles = Files.list(reports).count();
        for (boolean full : new boolean[]{false, true}) {
            RunReport dry = fx.sync(Map.of(), new RunOptions(RunOptions.ALL, full, true, false, "cli"));
            EntityReport u = dry.entities.get("users");
            assertEquals(Outcome.SUCCESS.label, dry.outcome, () -> "error " + dry.error);
            assertEquals(1, u.get(Count.created), "the dry run reports the creation");
            if (full) assertTrue(u.get(Count.updated) >= 3, "and the updates");
            else assertEquals(3, u.get(Count.updated), "and the updates");
            assertEquals(1, u.get(Count.suspended), "and the removal");
            assertTrue(u.getChanges().stream().anyMatch(ch -> ch.key().equals("dryrunnew") && ch.action().equals("created")));
            Map<String, List<String>> after = Reliability.dumpAll(db.dataSource());
            assertEquals(before.keySet(), after.keySet());
            for (String t : before.keySet()) assertEquals(before.get(t), after.get(t), "dry run changed table " + t);
        }
        assertEquals(reportFiles + 4, Files.list(reports).count(), "each dry run has its own report files (JSON and HTML)");
        assertTrue(Files.list(reports).anyMatch(p -> p.getFileName().toString().startsWith("dry-run-")));
        // and the real run does what the dry run announced
        RunReport real = fx.sync();
        assertEquals(1, real.entities.get("users").get(Count.created));
        assertEquals(3, real.entities.get("users").get(Count.updated));
        assertEquals(1, real.entities.get("users").get(Count.suspended));
    }

    // ---------------------------------------------------------------------------------------------------------

    private long active(String entity) {
        return count("SELECT COUNT(*) FROM {p}entsync_index WHERE entity = ? AND state = 'active'", entity);
    }

    private static long removedCount(EntityReport r) {
        return r.get(Count.suspended) + r.get(Count.deleted) + r.get(Count.kept);
    }

    private List<Entry> deleteShare(Removable e, double share) throws Exception {
        List<Entry> gone = new ArrayList<>();
        try (LDAPConnection c = fx.ldap()) {
            List<SearchResultEntry> all = new ArrayList<>(c.search(e.baseRdn() + "," + suffix, SearchScope.ONE, e.filter()).getSearchEntries());
            all.sort(Comparator.comparing(SearchResultEntry::getDN));
            long total = active(e.entity());
            int n = (int) Math.max(1, Math.round(total * share));
            for (int i = 0; i < n; i++) {
                SearchResultEntry x = all.get(all.size() - 1 - i);
                gone.add(new Entry(x.getDN(), x.getAttributes().toArray(new Attribute[0])));
                c.delete(x.getDN());
            }
        }
        return gone;
    }

    private void restore(List<Entry> gone) throws Exception {
        try (LDAPConnection c = fx.ldap()) {
            for (Entry x : gone) c.add(x);
        }
    }
}
