package org.entsync.moodle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run per instance at a time, across processes and machines: a row in the instance's own database
 * ({@code <prefix>entsync_lock}) with its owner and a heartbeat. A lock whose heartbeat is older than the expiry was
 * left by a crashed process and is taken over.
 */
public final class InstanceLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLock.class);
    public static final String TABLE = "entsync_lock";
    private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "entsync-lock-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private static final String PROCESS = processName();

    private final TargetDatabase target;
    private final String owner;
    private final long expirySeconds;
    private final ScheduledFuture<?> heartbeat;

    private InstanceLock(TargetDatabase target, String owner, long expirySeconds) {
        this.target = target;
        this.owner = owner;
        this.expirySeconds = expirySeconds;
        long every = Math.max(1, expirySeconds / 3);
        this.heartbeat = HEARTBEATS.scheduleAtFixedRate(this::beat, every, every, TimeUnit.SECONDS);
    }

    /** Who holds a lock that could not be taken. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    public static InstanceLock acquire(TargetDatabase target, long expirySeconds) throws SQLException, Refused {
        String owner = PROCESS + ":" + UUID.randomUUID().toString().substring(0, 8);
        Connection c = target.connection();
        try (c) {
            return take(c, target, owner, expirySeconds);
        } catch (SQLException e) {
            // the connection may have broken after the server committed our row: nobody would release it, and it
            // would refuse every run until it expires (the owner is ours alone, so this never frees another's lock)
            if (!release(target, owner)) {
                LOG.warn("instance {}: a lock this failed run may have taken could not be removed (it expires after {} s without heartbeat)",
                        target.instance(), expirySeconds);
            }
            throw e;
        }
    }

    private static InstanceLock take(Connection c, TargetDatabase target, String owner, long expirySeconds) throws SQLException, Refused {
        long now = System.currentTimeMillis() / 1000;
        Sql sql = target.sql();
        try (PreparedStatement ins = c.prepareStatement(sql.q("INSERT INTO {entsync_lock} (instance, owner, acquired, heartbeat) VALUES (?, ?, ?, ?)"))) {
            Sql.bind(ins, target.instance(), owner, now, now);
            ins.executeUpdate();
            sql.commitBookkeeping(c);
            return new InstanceLock(target, owner, expirySeconds);
        } catch (SQLException e) {
            if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) throw e; // the pool rolls back what it gets back
            c.rollback();
        }
        int taken = Sql.update(c, sql.q("UPDATE {entsync_lock} SET owner = ?, acquired = ?, heartbeat = ? WHERE instance = ? AND heartbeat < ?"),
                owner, now, now, target.instance(), now - expirySeconds);
        sql.commitBookkeeping(c);
        if (taken == 1) {
            LOG.warn("instance {}: took over a stale lock (no heartbeat for more than {} s)", target.instance(), expirySeconds);
            return new InstanceLock(target, owner, expirySeconds);
        }
        // a holder on this very machine whose process is gone (killed) need not be waited for
        String current = Sql.stringValue(c, sql.q("SELECT owner FROM {entsync_lock} WHERE instance = ?"), target.instance());
        if (current != null && deadLocalOwner(current)
                && Sql.update(c, sql.q("UPDATE {entsync_lock} SET owner = ?, acquired = ?, heartbeat = ? WHERE instance = ? AND owner = ?"),
                owner, now, now, target.instance(), current) == 1) {
            sql.commitBookkeeping(c);
            LOG.warn("instance {}: took over the lock of {}, a process of this machine that no longer exists", target.instance(), current);
            return new InstanceLock(target, owner, expirySeconds);
        }
        c.rollback();
        try (PreparedStatement ps = c.prepareStatement(sql.q("SELECT owner, acquired, heartbeat FROM {entsync_lock} WHERE instance = ?"))) {
            ps.setString(1, target.instance());
            try (ResultSet rs = ps.executeQuery()) {
                String holder = rs.next() ? rs.getString(1) + " since " + java.time.Instant.ofEpochSecond(rs.getLong(2)) + ", last heartbeat "
                        + (now - rs.getLong(3)) + " s ago" : "another run";
                c.rollback();
                throw new Refused("instance " + target.instance() + " is already being synced by " + holder
                        + "; try again later (a lock without heartbeat expires after " + expirySeconds + " s)");
            }
        }
    }

    private void beat() {
        try (Connection c = target.connection()) {
            Sql.update(c, target.sql().q("UPDATE {entsync_lock} SET heartbeat = ? WHERE instance = ? AND owner = ?"),
                    System.currentTimeMillis() / 1000, target.instance(), owner);
            target.sql().commitBookkeeping(c);
        } catch (Exception e) {
            LOG.warn("instance {}: lock heartbeat failed: {}", target.instance(), e.getMessage());
        }
    }

    @Override
    public void close() {
        heartbeat.cancel(false);
        if (!release(target, owner)) {
            LOG.warn("instance {}: could not release the lock (it expires after {} s without heartbeat)", target.instance(), expirySeconds);
        }
    }

    /** Tried twice (the pool replaces a broken connection): a lock left behind refuses every run until it expires. */
    private static boolean release(TargetDatabase target, String owner) {
        for (int attempt = 1; attempt <= 2; attempt++) {
            try (Connection c = target.connection()) {
                Sql.update(c, target.sql().q("DELETE FROM {entsync_lock} WHERE instance = ? AND owner = ?"), target.instance(), owner);
                target.sql().commitBookkeeping(c);
                return true;
            } catch (Exception e) {
                LOG.info("instance {}: releasing the lock failed (attempt {} of 2): {}", target.instance(), attempt, e.getMessage());
            }
        }
        return false;
    }

    /** "host:pid:..." naming this host and a pid that is not running any more. */
    static boolean deadLocalOwner(String owner) {
        String[] p = owner.split(":");
        if (p.length < 3 || !PROCESS.startsWith(p[0] + ":")) return false;
        try {
            long pid = Long.parseLong(p[1]);
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String processName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
