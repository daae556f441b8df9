package org.entsync.moodle;

import org.entsync.config.SecretValue;
import org.entsync.config.SyncConfig;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release of an instance lock survives one failed attempt: a lock left behind would refuse every run of the
 * instance until it expires. The failure is a real one, PostgreSQL's lock timeout on the lock's row held by another
 * session, and the holder lets go only once it has seen the release wait, give up and wait again.
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
            assertEquals(0, count("SELECT COUNT(*) FROM {p}entsync_lock"), "the lock is released");
        }
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
