package org.entsync.moodle;

import org.entsync.config.SecretValue;
import org.entsync.config.SyncConfig;
import org.entsync.testsupport.LostCommitAckProxy;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lock left behind would refuse every run of the instance until it expires. Its release survives one failed attempt
 * (the failure is a real one, PostgreSQL's lock timeout on the lock's row held by another session, and the holder lets
 * go only once it has seen the release wait, give up and wait again); a lock whose taking committed but was never
 * acknowledged (the connection cut between the server's commit and its answer) is removed by the run that fails.
 */
class InstanceLockPostgresTest extends MoodleDatabaseTest {

    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Test
    void aReleaseThatFailsOnceIsTriedAgain() throws Exception {
        SyncConfig.Moodle cfg = new SyncConfig.Moodle(db.jdbcUrl() + "?options=-c%20lock_timeout=1000", db.user(), SecretValue.of(db.password()),
                PREFIX, "never", 500);
        try (TargetDatabase target = TargetDatabase.open("lock-test", cfg, MoodleSchemaChecker.coreRequirements());
             Connection holder = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Connection watcher = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            InstanceLock lock = InstanceLock.acquire(target, 300);
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("SELECT owner FROM " + PREFIX + InstanceLock.TABLE + " WHERE instance = 'lock-test' FOR UPDATE")) {
                assertTrue(ps.executeQuery().next());
            }
            CompletableFuture<Integer> waits = CompletableFuture.supplyAsync(() -> letGoAfterTheSecondWait(holder, watcher));
            lock.close();
            assertEquals(2, waits.get(30, TimeUnit.SECONDS), "the release waited twice for the row");
            assertEquals(0, count("SELECT COUNT(*) FROM {p}entsync_lock WHERE instance = 'lock-test'"), "the lock is released");
        }
    }

    @Test
    void aLockWhoseCommitWasNeverAcknowledgedIsRemoved() throws Exception {
        URI server = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        // who took and who removed the lock, in transactions of their own: proves the taking did commit
        update("CREATE TABLE {p}entsync_test_lock_audit (id SERIAL PRIMARY KEY, op VARCHAR(10), owner VARCHAR(200))");
        update("CREATE FUNCTION " + PREFIX + "entsync_test_lock_audit() RETURNS trigger AS $$ BEGIN "
                + "INSERT INTO " + PREFIX + "entsync_test_lock_audit (op, owner) VALUES (TG_OP, COALESCE(NEW.owner, OLD.owner)); RETURN NULL; END $$ LANGUAGE plpgsql");
        try (LostCommitAckProxy proxy = new LostCommitAckProxy(server.getHost(), server.getPort())) {
            SyncConfig.Moodle cfg = new SyncConfig.Moodle("jdbc:postgresql://127.0.0.1:" + proxy.port() + server.getPath() + "?sslmode=disable&prepareThreshold=0",
                    db.user(), SecretValue.of(db.password()), PREFIX, "never", 500);
            try (TargetDatabase target = TargetDatabase.open("lock-cut", cfg, MoodleSchemaChecker.coreRequirements())) {
                update("CREATE TRIGGER entsync_test_lock_audit AFTER INSERT OR DELETE ON {p}entsync_lock FOR EACH ROW EXECUTE FUNCTION "
                        + PREFIX + "entsync_test_lock_audit()");
                proxy.arm();
                SQLException e = assertThrows(SQLException.class, () -> InstanceLock.acquire(target, 300));
                assertEquals(1, proxy.cuts(), "the lock's commit was cut: " + e);
                assertEquals(List.of("INSERT", "DELETE"), auditedOperations(),
                        "the lock was taken, then removed by the run that could not know it had it");
                assertEquals(0, count("SELECT COUNT(*) FROM {p}entsync_lock WHERE instance = 'lock-cut'"));
                InstanceLock.acquire(target, 300).close();
            }
        } finally {
            update("DROP TRIGGER IF EXISTS entsync_test_lock_audit ON {p}entsync_lock");
            update("DROP TABLE {p}entsync_test_lock_audit");
            update("DROP FUNCTION " + PREFIX + "entsync_test_lock_audit()");
        }
    }

    private List<String> auditedOperations() throws SQLException {
        List<String> ops = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT op FROM " + PREFIX + "entsync_test_lock_audit ORDER BY id")) {
            while (rs.next()) ops.add(rs.getString(1));
        }
        return ops;
    }

    /**
     * Counts the release's waits on the row and commits at the second. A wait is one statement, named by its backend
     * and start time: the retry can follow the lock timeout closer than any polling would see a gap.
     */
    private int letGoAfterTheSecondWait(Connection holder, Connection watcher) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        java.util.Set<String> waits = new java.util.HashSet<>();
        try (PreparedStatement ps = watcher.prepareStatement("SELECT pid || '@' || query_start FROM pg_stat_activity WHERE datname = ? "
                + "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %entsync_lock%'")) {
            ps.setString(1, db.name());
            while (waits.size() < 2 && System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) waits.add(rs.getString(1));
                }
                Thread.sleep(20);
            }
            holder.commit();
            return waits.size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
