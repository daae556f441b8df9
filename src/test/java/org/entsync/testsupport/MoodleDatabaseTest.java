package org.entsync.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base class for tests against a real database with the Moodle schema installed (prefix
 * {@value #PREFIX}). One database per test class: created in {@code @BeforeAll}, dropped in
 * {@code @AfterAll}. In SQL given to the helpers, {@code {p}} stands for the table prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MoodleDatabaseTest {

    protected static final String PREFIX = "mdl_";

    protected TestDatabase db;

    protected abstract Dialect dialect();

    @BeforeAll
    void createMoodleDatabase() {
        db = TestDatabase.create(dialect(), getClass().getSimpleName());
        MoodleSchemaInstaller.install(db.dataSource(), dialect(), PREFIX);
    }

    @AfterAll
    void dropMoodleDatabase() {
        if (db != null) {
            db.close();
        }
    }

    /** Replaces {@code {p}} with the table prefix. */
    protected static String sql(String sqlWithPrefixPlaceholder) {
        return sqlWithPrefixPlaceholder.replace("{p}", PREFIX);
    }

    protected Connection connection() throws SQLException {
        return db.dataSource().getConnection();
    }

    /** Runs a query whose first column is a number (e.g. {@code SELECT COUNT(*) ...}). */
    protected long count(String sqlWithPrefixPlaceholder, Object... args) {
        List<Map<String, Object>> r = rows(sqlWithPrefixPlaceholder, args);
        if (r.isEmpty()) {
            throw new AssertionError("no row for " + sqlWithPrefixPlaceholder);
        }
        return asLong(r.get(0).values().iterator().next());
    }

    /** Rows as maps with lower-case column labels, in column order. */
    protected List<Map<String, Object>> rows(String sqlWithPrefixPlaceholder, Object... args) {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql(sqlWithPrefixPlaceholder))) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                return Rows.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sqlWithPrefixPlaceholder + ": " + e.getMessage(), e);
        }
    }

    /** Executes an INSERT/UPDATE/DELETE/DDL statement; SQL errors are rethrown as-is. */
    protected int update(String sqlWithPrefixPlaceholder, Object... args) throws SQLException {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql(sqlWithPrefixPlaceholder))) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    /** Numbers, and booleans as 0/1 (MariaDB returns TINYINT(1) as Boolean by default). */
    protected static long asLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            return Long.parseLong(s.trim());
        }
        throw new AssertionError("not a number: " + v + (v == null ? "" : " (" + v.getClass().getName() + ")"));
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }
}
