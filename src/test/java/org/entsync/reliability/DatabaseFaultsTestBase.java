package org.entsync.reliability;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.pipeline.RunContext;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncService;
import org.entsync.report.EntityReport;
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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Database faults during a run: the connection holding an open write transaction is killed from another session
 * while one of its page writes waits on a table lock a third session holds (PostgreSQL {@code pg_terminate_backend} of
 * a backend with a transaction id, MariaDB {@code KILL} of the session), and a row lock held by another session makes a
 * page hit the lock timeout (PostgreSQL {@code lock_timeout}, MariaDB {@code innodb_lock_wait_timeout}, set through
 * the JDBC url). The page rolls back, the run stops (failed) or the entry fails alone, the index never disagrees
 * with Moodle, and a rerun converges to the state of a reference database synced without faults.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class DatabaseFaultsTestBase extends MoodleDatabaseTest {
    private SyncFixture fx;
    private TestDatabase reference;
    private final List<String> journal = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(3, 120, 3L, GeneratorOptions.DEFAULT_SUFFIX));
        reference = TestDatabase.create(dialect(), getClass().getSimpleName() + "ref");
        MoodleSchemaInstaller.install(reference.dataSource(), dialect(), PREFIX);
    }

    @AfterAll
    void stop() throws Exception {
        if (fx != null) fx.close();
        if (reference != null) reference.close();
        java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "reliability"));
        java.nio.file.Files.write(java.nio.file.Path.of("target", "reliability", "db-faults-" + dialect().name().toLowerCase() + ".txt"), journal);
    }

    private static Map<String, String> settings() {
        return Map.of("entsync.ldap.pageSize", "20");
    }

    @Test
    @Order(1)
    void connectionKilledMidBatchDuringAFirstSync() throws Exception {
        for (int round = 1; round <= 2; round++) {
            if (round == 2) renameStudents(30, "Killed"); // a differential run: its changed users write dirty flags
            AtomicReference<String> killed = new AtomicReference<>();
            RunReport r = runWithKiller(killed);
            assertNotNull(killed.get(), "no write transaction was caught to kill");
            assertTrue(!killed.get().startsWith("KILLER FAILED"), killed.get());
            journal.add(dialect() + " round " + round + ": killed " + killed.get() + " -> outcome " + r.outcome + " (exit " + r.exitCode + "): " + r.error);
            assertTrue(r.outcome.equals(Outcome.FAILED.label) || r.outcome.equals(Outcome.SUCCESS.label), r.outcome);
            if (r.outcome.equals(Outcome.FAILED.label)) {
                assertEquals(1, r.exitCode);
                assertTrue(r.error.startsWith("Moodle database: "), r.error);
            }
            assertEquals(List.of(), Reliability.indexProblems(db.dataSource()), "the killed page rolled back as a whole");
            assertEquals(0, Reliability.count(db.dataSource(), "SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "nothing removed");
            assertConverges();
        }
    }

    @Test
    @Order(2)
    void lockTimeoutFailsTheLockedEntryAloneAndTheRerunConverges() throws Exception {
        List<String> renamed = renameStudents(5, "Locked");
        String locked = renamed.get(2);
        Map<String, Object> before = Reliability.query(db.dataSource(), "SELECT firstname, lastname, email FROM {p}user WHERE username = ?", locked).get(0);
        long lockedId = Reliability.count(db.dataSource(), "SELECT id FROM {p}user WHERE username = ?", locked);
        try (Connection holder = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            holder.setAutoCommit(false);
            // by primary key: InnoDB locks exactly that row
            try (PreparedStatement ps = holder.prepareStatement("SELECT id FROM " + PREFIX + "user WHERE id = ? FOR UPDATE")) {
                ps.setLong(1, lockedId);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                }
            }
            Map<String, String> s = new HashMap<>(settings());
            s.put("entsync.moodle.jdbcUrl", db.jdbcUrl() + (dialect() == Dialect.POSTGRESQL ? "?options=-c%20lock_timeout=1000" : "?sessionVariables=innodb_lock_wait_timeout=1"));
            RunReport r = fx.sync(s, RunOptions.defaults());
            EntityReport u = r.entities.get("users");
            journal.add(dialect() + " lock timeout: outcome " + r.outcome + ", updated " + u.get(EntityReport.Count.updated) + ", failures " + u.getFailures());
            assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "error " + r.error);
            assertEquals(4, u.get(EntityReport.Count.updated));
            assertEquals(1, u.get(EntityReport.Count.failed));
            EntityReport.Failure f = u.getFailures().get(0);
            assertEquals(locked, f.key());
            assertTrue(f.reason().startsWith("Moodle refused the write: ") && f.reason().toLowerCase().contains("lock"), f.reason());
            holder.rollback();
        }
        assertEquals(before, Reliability.query(db.dataSource(), "SELECT firstname, lastname, email FROM {p}user WHERE username = ?", locked).get(0),
                "the locked user's row is left as it was");
        assertConverges();
    }

    @Test
    @Order(3)
    void databaseRefusingToOpenTheRunFailsItCleanly() throws Exception {
        long users = count("SELECT COUNT(*) FROM {p}user");
        renameStudents(3, "Refused");
        // a run whose connection was killed earlier may have kept its row 'running': the constraint needs none
        update("UPDATE {p}entsync_run SET outcome = 'failed' WHERE outcome = 'running'");
        update("ALTER TABLE {p}entsync_run ADD CONSTRAINT entsync_test_chk CHECK (outcome <> 'running')");
        try {
            RunReport r = fx.sync(settings(), RunOptions.defaults());
            journal.add(dialect() + " run row refused: outcome " + r.outcome + " (exit " + r.exitCode + "): " + r.error);
            assertEquals(Outcome.FAILED.label, r.outcome);
            assertEquals(1, r.exitCode);
            assertTrue(r.error.startsWith("Moodle database: "), r.error);
            assertEquals(users, count("SELECT COUNT(*) FROM {p}user"));
            assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE firstname LIKE 'Refused%'"), "nothing written");
        } finally {
            update("ALTER TABLE {p}entsync_run DROP CONSTRAINT entsync_test_chk");
        }
        assertConverges();
    }

    @Test
    @Order(4)
    void databaseRefusingEveryWriteFailsEachEntryAloneAndChangesNothing() throws Exception {
        List<String> renamed = renameStudents(3, "Full");
        // a constraint every new dirty-user flag violates (existing ones removed from both databases first)
        update("DELETE FROM {p}cache_flags");
        try (Connection c = reference.dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM " + PREFIX + "cache_flags");
        }
        update("ALTER TABLE {p}cache_flags ADD CONSTRAINT entsync_test_full CHECK (flagtype <> 'accesslib/dirtyusers')");
        try {
            RunReport r = fx.sync(settings(), RunOptions.defaults());
            EntityReport u = r.entities.get("users");
            journal.add(dialect() + " every write refused: outcome " + r.outcome + ", updated " + u.get(EntityReport.Count.updated) + ", failed "
                    + u.get(EntityReport.Count.failed) + ": " + (u.getFailures().isEmpty() ? "" : u.getFailures().get(0).reason().replaceAll("\\s+", " ")));
            assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "error " + r.error);
            assertEquals(3, u.get(EntityReport.Count.failed));
            assertEquals(0, u.get(EntityReport.Count.updated));
            assertTrue(u.getFailures().stream().allMatch(f -> renamed.contains(f.key()) && f.reason().startsWith("Moodle refused the write: ")), u.getFailures().toString());
            assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE firstname LIKE 'Full%'"), "each page rolled back");
            assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "nothing removed");
        } finally {
            update("ALTER TABLE {p}cache_flags DROP CONSTRAINT entsync_test_full");
        }
        assertConverges();
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A sync with pages of 100 while another session holds locks that make every write to {@code context} and
     * {@code cache_flags} wait (reads go on). Only page transactions write them, each after its first Moodle rows (a
     * first sync's categories and users before their contexts, a changed user before its dirty flag), so the run's
     * connection soon waits inside an open write transaction. A second session kills it there, then the locks are
     * released. Polling for a short write statement instead missed them all on a faster machine (CI, MariaDB); the
     * index table would catch the run's opening transaction, not a page.
     */
    private RunReport runWithKiller(AtomicReference<String> killed) throws Exception {
        try (SyncService service = new SyncService(fx.engine)) {
            RunContext run = service.prepare(SyncConfig.from(Settings.defaultsWith(fx.settings(db, Map.of("entsync.ldap.pageSize", "100")))), RunOptions.defaults());
            Connection holder = lockAgainstWrites("context", "cache_flags");
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Thread t = new Thread(() -> {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                try (holder; Connection admin = adminConnection()) {
                    while (killed.get() == null && !ended.get() && System.nanoTime() < deadline) {
                        String k = killWriter(admin);
                        if (k != null) killed.set(k);
                        else Thread.sleep(10);
                    }
                } catch (Exception e) {
                    killed.compareAndSet(null, "KILLER FAILED: " + e);
                } // closing the holder's session releases its lock, caught or not (the run would wait forever)
            });
            t.start();
            try {
                return service.run(run);
            } finally {
                ended.set(true);
                t.join();
            }
        }
    }

    /** A session holding table locks that let others read these tables but make their writes wait. */
    private Connection lockAgainstWrites(String... tables) throws SQLException {
        List<String> names = java.util.Arrays.stream(tables).map(t -> PREFIX + t).toList();
        Connection c = adminConnection();
        try (java.sql.Statement st = c.createStatement()) {
            if (dialect() == Dialect.POSTGRESQL) {
                c.setAutoCommit(false); // the lock lasts until the transaction ends: when the session closes
                st.execute("LOCK TABLE " + String.join(", ", names) + " IN EXCLUSIVE MODE");
            } else { // held until UNLOCK TABLES or the session closes
                st.execute("LOCK TABLES " + String.join(", ", names.stream().map(n -> n + " READ").toList()));
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private Connection adminConnection() throws SQLException {
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        c.setAutoCommit(true);
        return c;
    }

    /**
     * Kills a session of the test database that waits on the holder's locks inside a transaction that has written;
     * returns what it killed, or null. Only those: the instance lock's statements and the run's opening transaction
     * are left alone (a killed lock release once left every later run of the test refused as locked).
     */
    private String killWriter(Connection admin) throws SQLException {
        if (dialect() == Dialect.POSTGRESQL) {
            try (PreparedStatement ps = admin.prepareStatement("SELECT pid, state, query FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid() "
                    + "AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'")) {
                ps.setString(1, db.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return null;
                    int pid = rs.getInt(1);
                    String what = "backend " + pid + " (" + rs.getString(2) + ", waiting: " + abbreviate(rs.getString(3)) + ")";
                    try (PreparedStatement k = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
                        k.setInt(1, pid);
                        k.execute();
                    }
                    return what;
                }
            }
        }
        // information_schema.innodb_trx did not list the waiting writer (its undo entries show in SHOW ENGINE INNODB
        // STATUS): what it waits on tells instead, as only a page transaction writes those tables, after its first rows
        try (PreparedStatement ps = admin.prepareStatement("SELECT id, state, info FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID() "
                + "AND state LIKE 'Waiting for table%lock' AND (info LIKE 'INSERT%' OR info LIKE 'UPDATE%' OR info LIKE 'DELETE%')")) {
            ps.setString(1, db.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                long id = rs.getLong(1);
                String what = "thread " + id + " (" + rs.getString(2) + ": " + abbreviate(rs.getString(3)) + ")";
                try (PreparedStatement k = admin.prepareStatement("KILL " + id)) {
                    k.execute();
                }
                return what;
            }
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "-" : s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private void assertConverges() {
        RunReport again = fx.sync(settings(), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, again.outcome, () -> "rerun: " + again.error);
        RunReport ref = fx.sync(reference, settings(), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, ref.outcome, () -> "reference: " + ref.error);
        assertEquals("", Reliability.compare(Reliability.digest(reference.dataSource()), Reliability.digest(db.dataSource())));
        assertEquals(List.of(), Reliability.indexProblems(db.dataSource()));
    }

    private List<String> renameStudents(int n, String name) throws Exception {
        List<SearchResultEntry> students = new ArrayList<>(fx.search("(objectClass=ENTEleve)"));
        students.sort(Comparator.comparing(SearchResultEntry::getDN));
        List<String> out = new ArrayList<>();
        try (LDAPConnection c = fx.ldap()) {
            for (int i = 0; i < n; i++) {
                SearchResultEntry e = students.get(i * 7);
                c.modify(e.getDN(), new Modification(ModificationType.REPLACE, "givenName", name + i));
                out.add(e.getAttributeValue("uid").toLowerCase());
            }
        }
        return out;
    }
}
