package org.entsync.reliability;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.pipeline.RunOptions;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.entsync.testsupport.SyncFixture;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety: the sync runs in a child JVM ({@code org.entsync.cli.EntSync sync}) and is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) after a delay drawn from a seeded {@link Random}, spread over the whole run
 * (JVM start, structures, pages, writes, removal). After each kill the sync is rerun to completion, and the
 * database must then hold exactly what an uninterrupted run wrote into a second, reference database (digest of
 * every table ent-sync writes, see {@link Reliability#digest}), and the index must agree with Moodle.
 *
 * <p>Phase 1 kills first full syncs (the database is emptied of synced state before each). Phase 2 kills
 * differential runs: before each, the directory is toggled between state A and state B (renames, class
 * changes, 6 people deleted, 6 added), and the reference database is synced to the same state without a kill.
 *
 * <p>Directory 3 schools × 300 people, page size 20, and the hidden {@code entsync.test.pageDelayMs=25} in the
 * child so that a run lasts a few seconds. Kills per phase: system property {@code entsync.reliability.kills}
 * (default 10 per phase, so 20 kill points per database, 40 over PostgreSQL and MariaDB); seed
 * {@code entsync.reliability.seed} (default 20260901).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CrashSafetyTestBase extends MoodleDatabaseTest {
    static final int KILLS = Integer.getInteger("entsync.reliability.kills", 10);
    static final long SEED = Long.getLong("entsync.reliability.seed", 20260901L);
    static final String PAGE_DELAY_MS = "25";
    static final Map<String, String> SETTINGS = Map.of("entsync.ldap.pageSize", "20");

    private SyncFixture fx;
    private TestDatabase reference;
    private Random random;
    private long fullRunMillis;
    private final List<String> journal = new ArrayList<>();
    private boolean stateB;
    private final List<Entry> deletedInB = new ArrayList<>();
    private final List<String> renamed = new ArrayList<>();
    private final List<String[]> reclassed = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(3, 300, 11L, GeneratorOptions.DEFAULT_SUFFIX));
        reference = TestDatabase.create(dialect(), getClass().getSimpleName() + "ref");
        MoodleSchemaInstaller.install(reference.dataSource(), dialect(), PREFIX);
        random = new Random(SEED + dialect().ordinal());
    }

    @AfterAll
    void stop() throws Exception {
        if (fx != null) fx.close();
        if (reference != null) reference.close();
        Path out = Path.of("target", "reliability");
        Files.createDirectories(out);
        Files.write(out.resolve("crash-" + dialect().name().toLowerCase() + ".txt"), journal);
    }

    @Test
    @Order(1)
    void killedFirstFullSyncsConvergeToTheUninterruptedRun() throws Exception {
        Map<String, List<String>> expected = syncReference();

        // an uninterrupted child run: checks the child path and measures how long a run lasts
        long t0 = System.nanoTime();
        Process p = childSync("calibration");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child sync did not finish");
        fullRunMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, p.exitValue(), () -> "child run failed: " + Reliability.read(log("calibration")));
        assertEquals("", Reliability.compare(expected, Reliability.digest(db.dataSource())), "uninterrupted child run vs reference");
        journal.add(dialect() + " full run in a child JVM: " + fullRunMillis + " ms; " + Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE auth = 'cas'") + " users");

        int kills = 0;
        for (int attempt = 1; kills < KILLS && attempt <= KILLS * 3; attempt++) {
            Reliability.wipeSyncedState(db.dataSource());
            if (killAndRerun("full", attempt, expected)) kills++;
        }
        assertTrue(kills >= KILLS, "only " + kills + " kills landed during a run");
    }

    @Test
    @Order(2)
    void killedDifferentialRunsConvergeToTheUninterruptedRun() throws Exception {
        int kills = 0;
        for (int attempt = 1; kills < KILLS && attempt <= KILLS * 3; attempt++) {
            toggleDirectory();
            Map<String, List<String>> expected = syncReference();
            if (killAndRerun(stateB ? "A->B" : "B->A", attempt, expected)) kills++;
        }
        assertTrue(kills >= KILLS, "only " + kills + " kills landed during a run");
    }

    /**
     * A run killed right after it wrote a batch of changed people, before it remembered their fingerprints, and the
     * directory then put back as it was: the rerun must write the old values again, not skip those people as
     * unchanged (their remembered fingerprint is the old entry's).
     */
    @Test
    @Order(3)
    void aKilledRunWhoseChangesAreUndoneInTheDirectoryConvergesToTheDirectory() throws Exception {
        Map<String, List<String>> expected = syncReference();
        assertEquals(Outcome.SUCCESS.label, fx.sync(SETTINGS, RunOptions.defaults()).outcome);
        List<SearchResultEntry> students = new ArrayList<>(fx.search("(objectClass=ENTEleve)"));
        students.sort(Comparator.comparing(SearchResultEntry::getDN));
        List<SearchResultEntry> changed = students.subList(30, 35);
        try (LDAPConnection c = fx.ldap()) {
            for (SearchResultEntry s : changed) {
                c.modify(s.getDN(), new Modification(ModificationType.REPLACE, "givenName", "Tué-" + s.getAttributeValue("uid")),
                        new Modification(ModificationType.REPLACE, "sn", "Killed"));
            }
        }
        Path log = log("halt-before-remember");
        Files.createDirectories(log.getParent());
        Process p = Reliability.child(List.of("sync"), fx.settings(db, SETTINGS), Map.of("entsync.test.haltBeforeRemember", "true"), log).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child sync did not stop");
        assertEquals(137, p.exitValue(), () -> "the child did not halt before remembering: " + Reliability.read(log));
        assertEquals(changed.size(), Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE firstname LIKE 'Tué-%'"), "the batch was written");
        try (LDAPConnection c = fx.ldap()) { // put back exactly as it was read, attributes in the same order: the same fingerprint
            for (SearchResultEntry s : changed) {
                c.delete(s.getDN());
                c.add(new Entry(s.getDN(), s.getAttributes().toArray(new Attribute[0])));
            }
        }
        RunReport rerun = fx.sync(SETTINGS, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, rerun.outcome, () -> "rerun: " + rerun.error);
        // the same as the reference, but for the dirty flags of the people written twice (as they should be)
        Map<String, List<String>> actual = new java.util.HashMap<>(Reliability.digest(db.dataSource()));
        Map<String, List<String>> reference = new java.util.HashMap<>(expected);
        actual.remove("cache_flags");
        reference.remove("cache_flags");
        assertEquals("", Reliability.compare(reference, actual), "the rerun wrote the directory's values back");
        assertEquals(List.of(), Reliability.indexProblems(db.dataSource()));
        journal.add(dialect() + " halt before remembering " + changed.size() + " changed people, directory put back: rerun " + rerun.totalChanges() + " changes, digest = reference");
    }

    /** An uninterrupted sync of the reference database to the directory as it is now; the digest it leaves. */
    private Map<String, List<String>> syncReference() {
        RunReport ref = fx.sync(reference, SETTINGS, RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, ref.outcome, () -> "reference run: " + ref.error + " " + ref.entities.get("users").getGuards());
        return Reliability.digest(reference.dataSource());
    }

    /** Starts a child sync, kills it after a random delay, reruns to completion, compares. True if the kill hit a live run. */
    private boolean killAndRerun(String phase, int attempt, Map<String, List<String>> expected) throws Exception {
        String name = phase.replace(">", "") + "-" + attempt;
        long delay = 150 + (long) (random.nextDouble() * Math.max(500, fullRunMillis - 150));
        Process p = childSync(name);
        boolean alive = !p.waitFor(delay, TimeUnit.MILLISECONDS);
        if (alive) {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        String childLog = Reliability.read(log(name));
        long committed = Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}entsync_index");
        String lastLine = childLog.isBlank() ? "(no output yet: JVM starting)" : childLog.strip().lines().reduce((a, b) -> b).orElse("");
        RunReport rerun = fx.sync(SETTINGS, RunOptions.defaults());
        String diff = Reliability.compare(expected, Reliability.digest(db.dataSource()));
        List<String> problems = Reliability.indexProblems(db.dataSource());
        journal.add(String.format("%s %-5s #%d kill at %5d ms: %s; index rows at kill %d; last output: %s; rerun %s (%d changes)%s",
                dialect(), phase, attempt, delay, alive ? "KILLED" : "finished before the kill (exit " + p.exitValue() + ")", committed,
                lastLine.length() > 110 ? lastLine.substring(0, 110) + "…" : lastLine, rerun.outcome, rerun.totalChanges(),
                diff.isEmpty() && problems.isEmpty() ? ", digest = reference" : ", MISMATCH"));
        assertEquals(Outcome.SUCCESS.label, rerun.outcome, () -> phase + " #" + attempt + ": rerun after kill: " + rerun.error);
        assertEquals("", diff, () -> phase + " #" + attempt + " (kill at " + delay + " ms): final state differs from the uninterrupted run");
        assertEquals(List.of(), problems, () -> phase + " #" + attempt + ": index and Moodle disagree");
        return alive;
    }

    private Process childSync(String name) throws Exception {
        Path log = log(name);
        Files.createDirectories(log.getParent());
        return Reliability.child(List.of("sync"), fx.settings(db, SETTINGS), Map.of("entsync.test.pageDelayMs", PAGE_DELAY_MS), log).start();
    }

    private Path log(String name) {
        return fx.work().resolve("child").resolve(name + ".log");
    }

    /** A → B: 12 renames, 6 class changes, 6 people deleted, 6 added; B → A: renamed again, classes, deleted back, added deleted. */
    private void toggleDirectory() throws Exception {
        try (LDAPConnection c = fx.ldap()) {
            if (!stateB) {
                List<SearchResultEntry> students = new ArrayList<>(fx.search("(objectClass=ENTEleve)"));
                students.sort(Comparator.comparing(SearchResultEntry::getDN));
                if (renamed.isEmpty()) {
                    Random r = new Random(SEED);
                    java.util.Collections.shuffle(students, r);
                    for (int i = 0; i < 12; i++) renamed.add(students.get(i).getDN());
                    for (int i = 12; i < 18; i++) reclassed.add(new String[]{students.get(i).getDN(), students.get(i).getAttributeValue("ENTEleveClasses")});
                    for (int i = 18; i < 24; i++) deletedInB.add(students.get(i));
                }
                for (String dn : renamed) c.modify(dn, new Modification(ModificationType.REPLACE, "givenName", "Renommé-B"));
                for (String[] rc : reclassed) c.modify(rc[0], new Modification(ModificationType.REPLACE, "ENTEleveClasses", rc[1] + "B"));
                for (Entry e : deletedInB) c.delete(e.getDN());
                for (int i = 0; i < 6; i++) {
                    Entry model = deletedInB.get(0);
                    Entry n = new Entry("uid=crashnew" + i + ",ou=people," + fx.slapd.suffix(), model.getAttributes().toArray(new Attribute[0]));
                    n.setAttribute("uid", "crashnew" + i);
                    n.setAttribute("ENTPersonJointure", "AC-DEMO$CRASH" + i);
                    n.setAttribute("givenName", "Nouveau" + i);
                    c.add(n);
                }
            } else {
                for (String dn : renamed) c.modify(dn, new Modification(ModificationType.REPLACE, "givenName", "Prénom-A"));
                for (String[] rc : reclassed) c.modify(rc[0], new Modification(ModificationType.REPLACE, "ENTEleveClasses", rc[1]));
                for (Entry e : deletedInB) c.add(new Entry(e.getDN(), e.getAttributes().toArray(new Attribute[0])));
                for (int i = 0; i < 6; i++) c.delete("uid=crashnew" + i + ",ou=people," + fx.slapd.suffix());
            }
        }
        stateB = !stateB;
    }
}
