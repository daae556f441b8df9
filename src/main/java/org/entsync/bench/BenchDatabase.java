package org.entsync.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * A fresh database for one benchmark, with the Moodle schema subset installed by {@link MoodleSchemaInstaller}
 * (prefix {@code mdl_}), dropped by {@link #close()} unless kept. PostgreSQL and MariaDB get a new database
 * {@code entsync_bench_<random>} on the server; H2 a file under the work folder.
 */
public final class BenchDatabase implements AutoCloseable {
    public static final String PREFIX = "mdl_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where to create it: the server url without database name (e.g. {@code jdbc:postgresql://127.0.0.1:5432/}). */
    public record Server(Dialect dialect, String serverUrl, String user, String password, String urlOptions) {
        public static Server defaults(Dialect d) {
            return switch (d) {
                case POSTGRESQL -> new Server(d, "jdbc:postgresql://127.0.0.1:5432/", "postgres", "", "");
                case MARIADB -> new Server(d, "jdbc:mariadb://127.0.0.1:3306/", "root", "", "");
                case H2 -> new Server(d, "", "sa", "", "");
            };
        }

        public Server with(String url, String user, String password, String options) {
            return new Server(dialect, url == null ? serverUrl : url, user == null ? this.user : user,
                    password == null ? this.password : password, options == null ? urlOptions : options);
        }
    }

    private final Server server;
    private final String name;
    private final String jdbcUrl;
    private final Path h2Dir;
    private boolean keep;

    private BenchDatabase(Server server, String name, String jdbcUrl, Path h2Dir) {
        this.server = server;
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.h2Dir = h2Dir;
    }

    /** Creates the database and installs the Moodle schema. */
    public static BenchDatabase create(Server s, Path workDir) throws SQLException {
        byte[] r = new byte[4];
        RANDOM.nextBytes(r);
        String name = "entsync_bench_" + HexFormat.of().formatHex(r);
        BenchDatabase db;
        switch (s.dialect()) {
            case POSTGRESQL -> {
                try (Connection c = DriverManager.getConnection(s.serverUrl() + "postgres", s.user(), s.password());
                     Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE " + name + " ENCODING 'UTF8'");
                }
                db = new BenchDatabase(s, name, s.serverUrl() + name + options(s, '?'), null);
            }
            case MARIADB -> {
                try (Connection c = DriverManager.getConnection(s.serverUrl(), s.user(), s.password());
                     Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                }
                db = new BenchDatabase(s, name, s.serverUrl() + name + options(s, '?'), null);
            }
            case H2 -> {
                Path dir = workDir.resolve("h2").toAbsolutePath();
                db = new BenchDatabase(s, name, "jdbc:h2:file:" + dir.resolve(name) + ";NON_KEYWORDS=VALUE" + options(s, ';'), dir);
            }
            default -> throw new IllegalArgumentException(String.valueOf(s.dialect()));
        }
        db.install(PREFIX);
        return db;
    }

    private static String options(Server s, char first) {
        String o = s.urlOptions();
        if (o == null || o.isBlank()) return "";
        return (first == ';' ? ";" : "?") + o;
    }

    /** Installs another copy of the schema under another prefix (the insert floor's scratch tables). */
    public void install(String prefix) {
        try (HikariDataSource ds = dataSource(2)) {
            MoodleSchemaInstaller.install(ds, server.dialect(), prefix);
        }
    }

    /** A small pool on this database (the caller closes it). */
    public HikariDataSource dataSource(int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(0);
        hc.setPoolName("bench-" + name);
        // the floor gets the driver settings the sync uses (a url option still wins)
        org.entsync.moodle.TargetDatabase.driverProperties(server.dialect()).forEach(hc::addDataSourceProperty);
        return new HikariDataSource(hc);
    }

    public Dialect dialect() {
        return server.dialect();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String name() {
        return name;
    }

    /**
     * PostgreSQL: a {@code CHECKPOINT} before a measured phase, so that none runs into a checkpoint that an earlier
     * phase's writes set off (its writes, and the full-page images of the first change of every page after it,
     * fall on whichever phase runs then: one started a minute into a bench and went on for 53 s), and each phase starts
     * as a nightly run does, long after the last checkpoint. False when it did not run: another server, or a user
     * without the right (superuser or {@code pg_checkpoint}).
     */
    public boolean checkpoint() {
        if (server.dialect() != Dialect.POSTGRESQL) return false;
        try (Connection c = DriverManager.getConnection(jdbcUrl, server.user(), server.password()); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Leave the database in place after the benchmark (to look at it). */
    public void keep(boolean k) {
        keep = k;
    }

    @Override
    public void close() throws SQLException {
        if (keep) return;
        switch (server.dialect()) {
            case POSTGRESQL -> {
                try (Connection c = DriverManager.getConnection(server.serverUrl() + "postgres", server.user(), server.password())) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                        ps.setString(1, name);
                        ps.execute();
                    }
                    try (Statement st = c.createStatement()) {
                        st.execute("DROP DATABASE IF EXISTS " + name);
                    }
                }
            }
            case MARIADB -> {
                try (Connection c = DriverManager.getConnection(server.serverUrl(), server.user(), server.password());
                     Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + name);
                }
            }
            case H2 -> org.h2.tools.DeleteDbFiles.execute(h2Dir.toString(), name, true);
        }
    }
}
