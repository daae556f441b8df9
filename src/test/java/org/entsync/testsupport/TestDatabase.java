package org.entsync.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Locale;
import javax.sql.DataSource;
import org.entsync.moodle.Dialect;

/**
 * A throw-away database of its own on one of the supported engines, dropped by {@link #close()}.
 *
 * <ul>
 *   <li>PostgreSQL: {@code jdbc:postgresql://127.0.0.1:5432/}, user {@code postgres}, no password
 *       (override the server part with {@code -Dentsync.test.postgres.url=jdbc:postgresql://host:port/}).</li>
 *   <li>MariaDB: {@code jdbc:mariadb://127.0.0.1:3306/}, user {@code root}, no password
 *       ({@code -Dentsync.test.mariadb.url=...}); utf8mb4 / utf8mb4_unicode_ci.</li>
 *   <li>H2: a file database under {@code target/h2/<name>} (regular mode; NON_KEYWORDS=VALUE so
 *       that Moodle's {@code value} columns can be used unquoted).</li>
 * </ul>
 * Database names are {@code entsync_<hint>_<random>}, lower case, at most 40 characters.
 */
public final class TestDatabase implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PG_SERVER =
            System.getProperty("entsync.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/");
    private static final String PG_USER = System.getProperty("entsync.test.postgres.user", "postgres");
    private static final String MARIADB_SERVER =
            System.getProperty("entsync.test.mariadb.url", "jdbc:mariadb://127.0.0.1:3306/");
    private static final String MARIADB_USER = System.getProperty("entsync.test.mariadb.user", "root");

    private final Dialect dialect;
    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final HikariDataSource dataSource;
    private boolean closed;

    private TestDatabase(Dialect dialect, String name, String jdbcUrl, String user, String password) {
        this.dialect = dialect;
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(3);
        cfg.setMinimumIdle(0);
        cfg.setPoolName("test-" + name);
        this.dataSource = new HikariDataSource(cfg);
    }

    /** Creates a fresh, empty database. {@code nameHint} only makes the name readable. */
    public static TestDatabase create(Dialect d, String nameHint) {
        String name = databaseName(nameHint);
        try {
            switch (d) {
                case POSTGRESQL -> {
                    try (Connection c = DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, "");
                         Statement st = c.createStatement()) {
                        st.execute("CREATE DATABASE " + name + " ENCODING 'UTF8'");
                    }
                    return new TestDatabase(d, name, PG_SERVER + name, PG_USER, "");
                }
                case MARIADB -> {
                    try (Connection c = DriverManager.getConnection(MARIADB_SERVER, MARIADB_USER, "");
                         Statement st = c.createStatement()) {
                        st.execute("CREATE DATABASE " + name
                                + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                    }
                    return new TestDatabase(d, name, MARIADB_SERVER + name, MARIADB_USER, "");
                }
                case H2 -> {
                    Path file = h2Dir().resolve(name);
                    String url = "jdbc:h2:file:" + file + ";MODE=Regular;NON_KEYWORDS=VALUE";
                    return new TestDatabase(d, name, url, "sa", "");
                }
                default -> throw new IllegalArgumentException("unsupported dialect " + d);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + d + ": " + e.getMessage(), e);
        }
    }

    static String databaseName(String hint) {
        String h = hint == null ? "" : hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
        if (h.isEmpty()) {
            h = "db";
        }
        byte[] r = new byte[4];
        RANDOM.nextBytes(r);
        String suffix = HexFormat.of().formatHex(r);             // 8 chars
        int room = 40 - "entsync_".length() - 1 - suffix.length(); // 23
        if (h.length() > room) {
            h = h.substring(0, room);
        }
        return "entsync_" + h + "_" + suffix;
    }

    private static Path h2Dir() {
        return Path.of("target", "h2").toAbsolutePath();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The database name (also the H2 file name). */
    public String name() {
        return name;
    }

    /** Closes the pool and drops the database (PostgreSQL: other sessions are terminated first). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dataSource.close();
        try {
            switch (dialect) {
                case POSTGRESQL -> {
                    try (Connection c = DriverManager.getConnection(PG_SERVER + "postgres", PG_USER, "")) {
                        try (PreparedStatement ps = c.prepareStatement(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                        + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
                            ps.setString(1, name);
                            ps.execute();
                        }
                        try (Statement st = c.createStatement()) {
                            st.execute("DROP DATABASE IF EXISTS " + name);
                        }
                    }
                }
                case MARIADB -> {
                    try (Connection c = DriverManager.getConnection(MARIADB_SERVER, MARIADB_USER, "");
                         Statement st = c.createStatement()) {
                        st.execute("DROP DATABASE IF EXISTS " + name);
                    }
                }
                case H2 -> org.h2.tools.DeleteDbFiles.execute(h2Dir().toString(), name, true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return dialect + " " + jdbcUrl;
    }
}
