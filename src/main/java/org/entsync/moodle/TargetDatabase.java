package org.entsync.moodle;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.diff.SyncIndex;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Moodle database ent-sync writes to: its connection pool, dialect, site facts, index and helpers. Opening it
 * checks that the tables and columns ent-sync needs are there; Moodle owns its schema and it is never created in a
 * real Moodle (only the embedded H2 default gets one).
 */
public final class TargetDatabase implements AutoCloseable {
    private final String instance;
    private final HikariDataSource dataSource;
    private final Sql sql;
    private final SyncIndex index;
    private final DirtyFlags dirtyFlags;
    private final ProfileFields profileFields;
    private final AtomicLong batches = new AtomicLong();
    private MoodleSite site;

    private TargetDatabase(String instance, HikariDataSource ds, Sql sql) {
        this.instance = instance;
        this.dataSource = ds;
        this.sql = sql;
        this.index = new SyncIndex(sql, instance);
        this.dirtyFlags = new DirtyFlags(sql);
        this.profileFields = new ProfileFields(sql);
    }

    public static TargetDatabase open(String instance, SyncConfig.Moodle cfg, Map<String, Set<String>> required) {
        Dialect dialect = Dialect.fromJdbcUrl(cfg.jdbcUrl());
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(cfg.jdbcUrl());
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password().reveal());
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(0);
        hc.setAutoCommit(false);
        hc.setPoolName("moodle-" + instance);
        hc.setInitializationFailTimeout(-1);
        hc.setConnectionTimeout(15_000);
        HikariDataSource ds = new HikariDataSource(hc);
        TargetDatabase t = new TargetDatabase(instance, ds, new Sql(dialect, cfg.prefix()));
        try {
            t.prepare(cfg, required);
            return t;
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    private void prepare(SyncConfig.Moodle cfg, Map<String, Set<String>> required) {
        String where = "Moodle database " + SyncConfig.redactUrl(cfg.jdbcUrl()) + " (entsync.moodle.jdbcUrl)";
        try (Connection c = dataSource.getConnection()) {
            if (!MoodleSchemaChecker.tableExists(c, sql.t("config"))) {
                if (sql.dialect() == Dialect.H2 && cfg.createSchema().equals("embedded-only")) {
                    c.close();
                    MoodleSchemaInstaller.install(dataSource, Dialect.H2, sql.prefix());
                } else {
                    throw new ConfigException(where + ": no Moodle tables with prefix '" + sql.prefix()
                            + "' (table " + sql.t("config") + " is missing): check entsync.moodle.prefix and the database name");
                }
            }
        } catch (SQLException e) {
            throw new ConfigException(where + ": cannot connect (" + safeMessage(e) + ")");
        }
        try (Connection c = dataSource.getConnection()) {
            List<String> missing = MoodleSchemaChecker.missing(c, sql.prefix(), required);
            if (!missing.isEmpty()) {
                throw new ConfigException(where + ": " + String.join("; ", missing) + " (is this Moodle 4.1 or later, with prefix '" + sql.prefix() + "'?)");
            }
            index.ensureTables(c);
            site = MoodleSite.read(c, sql);
            c.commit();
        } catch (SQLException e) {
            throw new ConfigException(where + ": " + safeMessage(e));
        }
    }

    /** Driver messages can echo a url; strip any password from them. */
    public static String safeMessage(SQLException e) {
        return SyncConfig.redactUrl(String.valueOf(e.getMessage()));
    }

    public Connection connection() throws SQLException {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        return c;
    }

    public javax.sql.DataSource dataSource() {
        return dataSource;
    }

    public String instance() {
        return instance;
    }

    public Sql sql() {
        return sql;
    }

    public SyncIndex index() {
        return index;
    }

    public DirtyFlags dirtyFlags() {
        return dirtyFlags;
    }

    public ProfileFields profileFields() {
        return profileFields;
    }

    public MoodleSite site() {
        return site;
    }

    public void countBatch(int n) {
        batches.addAndGet(n);
    }

    public long batches() {
        return batches.get();
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
