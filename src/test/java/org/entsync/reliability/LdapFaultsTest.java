package org.entsync.reliability;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratorOptions;
import org.entsync.ldap.EntryFetcher;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.pipeline.RunContext;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncService;
import org.entsync.report.EntityReport;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.SyncFixture;
import org.entsync.testsupport.TestCa;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LDAP faults on a real slapd, each in the middle of a run that has people to remove (2 deleted, 1 renamed
 * before it): slapd stopped, connections reset, a page that times out (slapd frozen with SIGSTOP), a size limit
 * hit, the server down at start, an untrusted certificate. Each time: the extraction is incomplete (exit 4) or the
 * run failed (exit 1) with a clear message, NOTHING is suspended, and once the fault is gone a rerun converges to
 * the state of a reference database synced without faults. PostgreSQL (child JVMs need a server database).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LdapFaultsTest extends MoodleDatabaseTest {
    static final String LIMITED_DN_RDN = "cn=limited";
    static final String LIMITED_PASSWORD = "limited-Pw-4417";
    private SyncFixture fx;
    private TestDatabase reference;
    private String limitedDn;
    private int mutation;

    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @BeforeAll
    void start() throws Exception {
        String suffix = GeneratorOptions.DEFAULT_SUFFIX;
        limitedDn = LIMITED_DN_RDN + "," + suffix;
        fx = new SyncFixture(db, new GeneratorOptions(3, 60, 5L, suffix),
                List.of("limits dn.exact=\"" + limitedDn + "\" size.prtotal=50"));
        try (LDAPConnection c = fx.ldap()) {
            Entry e = new Entry(limitedDn);
            e.addAttribute("objectClass", "top", "person");
            e.addAttribute("cn", "limited");
            e.addAttribute("sn", "limited");
            e.addAttribute("userPassword", LIMITED_PASSWORD);
            c.add(e);
        }
        reference = TestDatabase.create(Dialect.POSTGRESQL, "ldapfaultsref");
        MoodleSchemaInstaller.install(reference.dataSource(), Dialect.POSTGRESQL, PREFIX);
        assertEquals(Outcome.SUCCESS.label, fx.sync(settings(), RunOptions.defaults()).outcome);
        assertEquals(Outcome.SUCCESS.label, fx.sync(reference, settings(), RunOptions.defaults()).outcome);
    }

    @AfterAll
    void stop() {
        System.clearProperty("entsync.test.pageDelayMs");
        if (fx != null) fx.close();
        if (reference != null) reference.close();
    }

    private static Map<String, String> settings() {
        return Map.of("entsync.ldap.pageSize", "20");
    }

    private static Map<String, String> with(String... kv) {
        Map<String, String> m = new HashMap<>(settings());
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    @Order(1)
    void slapdStoppedMidRead() throws Exception {
        mutateDirectory();
        RunReport r = runWithFault(settings(), 60, fx.slapd::stop);
        fx.slapd.restart();
        assertIncompleteAndNothingRemoved(r);
        assertConverges();
    }

    @Test
    @Order(2)
    void connectionResetMidRead() throws Exception {
        mutateDirectory();
        try (ResettingProxy proxy = new ResettingProxy(fx.slapd.port())) {
            RunReport r = runWithFault(with("entsync.ldap.url", proxy.url()), 60, proxy::resetAll);
            assertIncompleteAndNothingRemoved(r);
            assertTrue(users(r).getExtractionError().contains("failed after"), users(r).getExtractionError());
        }
        assertConverges();
    }

    @Test
    @Order(3)
    void pageThatTimesOut() throws Exception {
        mutateDirectory();
        long t0 = System.nanoTime();
        RunReport r = runWithFault(with("entsync.ldap.responseTimeoutMs", "1000"), 60, () -> signal("STOP"));
        signal("CONT");
        assertIncompleteAndNothingRemoved(r);
        assertTrue(users(r).getExtractionError().toLowerCase().contains("time"), users(r).getExtractionError());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 20_000, "the timeout is the configured one, not forever");
        assertConverges();
    }

    @Test
    @Order(4)
    void sizeLimitHitInAChildJvmExitsWith4() throws Exception {
        mutateDirectory();
        Path log = fx.work().resolve("child").resolve("sizelimit.log");
        Files.createDirectories(log.getParent());
        Map<String, String> s = new HashMap<>(fx.settings(db, with("entsync.ldap.bindDn", limitedDn, "entsync.ldap.password", LIMITED_PASSWORD)));
        Process p = Reliability.child(List.of("sync"), s, Map.of(), log).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Reliability.read(log);
        assertEquals(4, p.exitValue(), out);
        assertTrue(out.contains("INCOMPLETE in") && out.contains("INCOMPLETE") && out.toLowerCase().contains("size limit"), out);
        assertEquals(suspendedBaseline, Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "nothing removed");
        assertConverges();
    }

    @Test
    @Order(5)
    void serverDownAtStartFailsClearlyInAChildJvm() throws Exception {
        mutateDirectory();
        fx.slapd.stop();
        try {
            Path log = fx.work().resolve("child").resolve("down.log");
            Process p = Reliability.child(List.of("sync"), fx.settings(db, with("entsync.ldap.retries", "2", "entsync.ldap.retryBackoffMs", "100")), Map.of(), log).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = Reliability.read(log);
            assertEquals(1, p.exitValue(), out);
            assertTrue(out.contains("failed") && out.contains("cannot reach the server"), out);
            assertTrue(out.contains("retry 1/2") && out.contains("retry 2/2"), "the first page is retried with backoff: " + out);
            assertEquals(suspendedBaseline, Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"));
        } finally {
            fx.slapd.restart();
        }
        assertConverges();
    }

    @Test
    @Order(6)
    void firstPageRetryRecoversWhenTheServerComesBack() throws Exception {
        mutateDirectory();
        fx.slapd.stop();
        Thread back = new Thread(() -> {
            sleep(400);
            fx.slapd.restart();
        });
        back.start();
        RunReport r = fx.sync(with("entsync.ldap.retries", "4", "entsync.ldap.retryBackoffMs", "300"), RunOptions.defaults());
        back.join();
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "error " + r.error);
        assertEquals(2, users(r).get(EntityReport.Count.suspended));
        assertEquals(Outcome.SUCCESS.label, fx.sync(reference, settings(), RunOptions.defaults()).outcome);
        assertEquals("", Reliability.compare(Reliability.digest(reference.dataSource()), Reliability.digest(db.dataSource())));
    }

    @Test
    @Order(7)
    void untrustedCertificateFailsAtOnceWithoutRetries() throws Exception {
        assertTrue(TestCa.available(), "openssl is needed");
        Path dir = fx.work().resolve("tls");
        TestCa ca = TestCa.create(dir.resolve("ca"), "reliability CA");
        TestCa other = TestCa.create(dir.resolve("other"), "unrelated CA");
        Path store = other.trustStore(dir.resolve("untrusted.p12"), "store-Pw-1");
        try (Slapd tls = Slapd.startTls(dir.resolve("slapd"), fx.slapd.suffix(), null, ca.issueLocalhost().tls())) {
            long t0 = System.nanoTime();
            RunReport r = fx.sync(with("entsync.ldap.url", tls.ldapsUrl(), "entsync.ldap.trustStore", store.toString(),
                    "entsync.ldap.trustStorePassword", "store-Pw-1", "entsync.ldap.retries", "3", "entsync.ldap.retryBackoffMs", "5000"), RunOptions.defaults());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Outcome.FAILED.label, r.outcome);
            assertTrue(r.error.contains("not trusted"), r.error);
            assertTrue(ms < 5000, "a certificate failure is not retried (took " + ms + " ms with a 5 s backoff)");
        }
    }

    @Test
    @Order(8)
    void classesEmptiedByARunCutShortAreKeptByTheNextRun() throws Exception {
        // the students read first get a class of their own in their school, synced everywhere, then go back: as many
        // as make the run read them whole as soon as the last of them is read (UnchangedPeople.skip), mid-read
        List<SearchResultEntry> people = fx.search("(objectClass=ENTPerson)");
        Map<String, String> classOf = new java.util.LinkedHashMap<>();
        for (SearchResultEntry e : people) {
            String[] classes = e.getAttributeValues("ENTEleveClasses");
            if (classes != null && classes.length == 1 && classOf.size() < EntryFetcher.CHUNK / 4) classOf.put(e.getDN(), classes[0]);
        }
        assertEquals(EntryFetcher.CHUNK / 4, classOf.size());
        try (LDAPConnection c = fx.ldap()) {
            for (Map.Entry<String, String> e : classOf.entrySet()) {
                String school = e.getValue().substring(0, e.getValue().lastIndexOf('$'));
                c.modify(e.getKey(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", school + "$ZZ"));
            }
        }
        assertEquals(Outcome.SUCCESS.label, fx.sync(settings(), RunOptions.defaults()).outcome);
        assertEquals(Outcome.SUCCESS.label, fx.sync(reference, settings(), RunOptions.defaults()).outcome);
        try (LDAPConnection c = fx.ldap()) {
            for (Map.Entry<String, String> e : classOf.entrySet()) c.modify(e.getKey(), new Modification(ModificationType.REPLACE, "ENTEleveClasses", e.getValue()));
        }
        // pages of 10, cut after 100 entries: the students were read whole, written and remembered, nothing was
        // removed; the next run has no membership left to remove, and the ZZ cohorts, whose source went, must be kept
        try (ResettingProxy proxy = new ResettingProxy(fx.slapd.port())) {
            RunReport r = runWithFault(with("entsync.ldap.url", proxy.url(), "entsync.ldap.pageSize", "10"), 100, proxy::resetAll);
            assertEquals(Outcome.INCOMPLETE.label, r.outcome, () -> "error " + r.error);
            assertEquals(classOf.size(), r.ldapEntriesFetched, "all of them read whole before the fault");
        }
        assertConverges();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Runs a sync (pages slowed to 40 ms) and triggers the fault from another thread once enough entries were read. */
    private RunReport runWithFault(Map<String, String> extra, long afterEntries, Runnable fault) throws Exception {
        System.setProperty("entsync.test.pageDelayMs", "40");
        AtomicBoolean fired = new AtomicBoolean();
        try (SyncService service = new SyncService(fx.engine)) {
            RunContext run = service.prepare(SyncConfig.from(Settings.defaultsWith(fx.settings(db, extra))), RunOptions.defaults());
            Thread t = new Thread(() -> {
                long deadline = System.currentTimeMillis() + 30_000;
                while (entriesRead(run) < afterEntries && System.currentTimeMillis() < deadline) sleep(5);
                fault.run();
                fired.set(true);
            });
            t.start();
            RunReport r = service.run(run);
            t.join();
            assertTrue(fired.get());
            return r;
        } finally {
            System.clearProperty("entsync.test.pageDelayMs");
        }
    }

    private static long entriesRead(RunContext run) {
        synchronized (run.report()) {
            return run.report().ldapEntriesRead;
        }
    }

    private void assertIncompleteAndNothingRemoved(RunReport r) {
        EntityReport u = users(r);
        assertEquals(Outcome.INCOMPLETE.label, r.outcome, () -> "error " + r.error + ", users " + u.getCounts());
        assertEquals(4, r.exitCode);
        assertFalse(u.isExtractionComplete());
        assertTrue(u.getExtractionError() != null && !u.getExtractionError().isBlank());
        assertEquals(0, u.get(EntityReport.Count.suspended) + u.get(EntityReport.Count.deleted));
        assertEquals(suspendedBaseline, Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "nothing suspended");
        assertTrue(u.getGuards().stream().allMatch(g -> g.decision().equals("refused") && g.reason().contains("incomplete")), u.getGuards().toString());
        assertTrue(Files.exists(Reliability.reportJson(fx.work().resolve("reports"), "default", r.runId)), "the run's report is written");
    }

    /** The fault is gone: the next run completes, and the database equals a reference synced without faults. */
    private void assertConverges() {
        RunReport again = fx.sync(settings(), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, again.outcome, () -> "rerun: " + again.error);
        assertEquals(Outcome.SUCCESS.label, fx.sync(reference, settings(), RunOptions.defaults()).outcome);
        assertEquals("", Reliability.compare(Reliability.digest(reference.dataSource()), Reliability.digest(db.dataSource())));
        assertEquals(List.of(), Reliability.indexProblems(db.dataSource()));
        assertEquals(0, fx.sync(settings(), RunOptions.defaults()).totalChanges(), "converged: nothing left to do");
        assertEquals(Reliability.count(reference.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"),
                Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"));
        suspendedBaseline = Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1");
    }

    private long suspendedBaseline;

    /** 2 students deleted and 1 renamed: the run after it has removals to (not) do. */
    private void mutateDirectory() throws Exception {
        mutation++;
        List<SearchResultEntry> students = new ArrayList<>(fx.search("(objectClass=ENTEleve)"));
        students.sort(java.util.Comparator.comparing(SearchResultEntry::getDN));
        try (LDAPConnection c = fx.ldap()) {
            c.delete(students.get(0).getDN());
            c.delete(students.get(1).getDN());
            c.modify(students.get(2).getDN(), new Modification(ModificationType.REPLACE, "givenName", "Renamed" + mutation));
        }
    }

    private void signal(String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(fx.slapd.pid())).inheritIO().start();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static EntityReport users(RunReport r) {
        return r.entities.get("users");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
