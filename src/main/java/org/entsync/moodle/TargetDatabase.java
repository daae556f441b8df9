package org.entsync.moodle;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.diff.SyncIndex;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private final String instance;
    private final HikariDataSource dataSource;
    private final Sql sql;
    private final SyncIndex index;
    private final DirtyFlags dirtyFlags;
    private final ProfileFields profileFields;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean analyzing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long nextAnalyze = FIRST_ANALYZE;
    private volatile Thread analyzer;
    /** Tables a first sync fills and later runs probe by IN lists: PostgreSQL needs statistics on them. */
    static final List<String> GROWING_TABLES = List.of("user", "context", "user_info_data", "cache_flags", "cohort", "cohort_members",
            "role_assignments", "entsync_index", "entsync_usercohorts", "entsync_classkey", "groups_members", "user_enrolments");
    static final long FIRST_ANALYZE = 2000;
    private MoodleSite site;
    private Map<String, Long> roleIds = Map.of();
    private long parentCategoryId;

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
        Path h2File = dialect == Dialect.H2 ? h2File(cfg.jdbcUrl()) : null;
        if (h2File != null) privateH2Folder(h2File.getParent());
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(cfg.jdbcUrl());
        hc.setUsername(cfg.user());
        hc.setPassword(cfg.password().reveal());
        hc.setMaximumPoolSize(6); // up to three entity writers of a page, the index loader and a background ANALYZE
        hc.setMinimumIdle(0);
        hc.setAutoCommit(false);
        hc.setPoolName("moodle-" + instance);
        hc.setInitializationFailTimeout(-1);
        hc.setConnectionTimeout(15_000);
        driverProperties(dialect).forEach(hc::addDataSourceProperty);
        HikariDataSource ds = new HikariDataSource(hc);
        TargetDatabase t = new TargetDatabase(instance, ds, new Sql(dialect, cfg.prefix()));
        try {
            t.prepare(cfg, required);
            if (h2File != null) privateH2Files(h2File);
            return t;
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    /**
     * Driver settings for batched writes. PostgreSQL: {@code reWriteBatchedInserts} sends a batch of INSERTs (and
     * INSERT … ON CONFLICT upserts) as multi-row statements instead of one statement per row; a setting in the url
     * wins. (MariaDB Connector/J 3.5 already sends inserts with its bulk protocol, useBulkStmtsForInserts.)
     */
    public static Map<String, String> driverProperties(Dialect dialect) {
        return dialect == Dialect.POSTGRESQL ? Map.of("reWriteBatchedInserts", "true") : Map.of();
    }

    private void prepare(SyncConfig.Moodle cfg, Map<String, Set<String>> required) {
        String where = "Moodle database " + SyncConfig.redactUrl(cfg.jdbcUrl()) + " (entsync.moodle.jdbcUrl)";
        // one look at the schema for Moodle's tables and ent-sync's own (each such query costs milliseconds on a
        // new connection, at the start of every run)
        List<String> tables = new java.util.ArrayList<>();
        tables.add(sql.t("config"));
        required.keySet().forEach(t -> tables.add(sql.t(t)));
        tables.addAll(index.tableNames());
        Map<String, Set<String>> columns;
        try (Connection c = dataSource.getConnection()) {
            columns = MoodleSchemaChecker.columns(c, tables);
            if (!columns.containsKey(sql.t("config").toLowerCase(java.util.Locale.ROOT))) {
                if (sql.dialect() == Dialect.H2 && cfg.createSchema().equals("embedded-only")) {
                    c.close();
                    MoodleSchemaInstaller.install(dataSource, Dialect.H2, sql.prefix());
                    columns = null; // looked at again below
                } else {
                    throw new ConfigException(where + ": no Moodle tables with prefix '" + sql.prefix()
                            + "' (table " + sql.t("config") + " is missing): check entsync.moodle.prefix and the database name");
                }
            }
        } catch (SQLException e) {
            throw new ConfigException(where + ": cannot connect (" + safeMessage(e) + lastError(e) + ")");
        }
        try (Connection c = dataSource.getConnection()) {
            if (columns == null) columns = MoodleSchemaChecker.columns(c, tables);
            List<String> missing = MoodleSchemaChecker.missing(columns, sql.prefix(), required);
            if (!missing.isEmpty()) {
                throw new ConfigException(where + ": " + String.join("; ", missing) + " (is this Moodle 4.1 or later, with prefix '" + sql.prefix() + "'?)");
            }
            index.ensureTables(c, columns.keySet());
            site = MoodleSite.read(c, sql);
            c.commit();
        } catch (SQLException e) {
            throw new ConfigException(where + ": " + safeMessage(e));
        }
    }

    /**
     * Checks what the owned entities need before anything is written: every role the mappings name exists (by
     * shortname; each with the place naming it, e.g. "mapping sdet/groups.yaml: editingRoles", so that an unknown
     * role is reported with its file and field), and the configured parent category exists.
     */
    public void checkOwnedPrerequisites(SyncConfig cfg, Map<String, String> roleSources) {
        try (Connection c = connection()) {
            Map<String, Long> ids = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, String> role : roleSources.entrySet()) {
                String shortname = role.getKey();
                long id = Sql.longValue(c, sql.q("SELECT id FROM {role} WHERE shortname = ?"), shortname);
                if (id == 0) {
                    List<String> known = new java.util.ArrayList<>();
                    try (var ps = c.prepareStatement(sql.q("SELECT shortname FROM {role} ORDER BY sortorder")); var rs = ps.executeQuery()) {
                        while (rs.next()) known.add(rs.getString(1));
                    }
                    throw new ConfigException(role.getValue() + ": role '" + shortname + "' does not exist in this Moodle (roles: "
                            + String.join(", ", known) + ")");
                }
                ids.put(shortname, id);
            }
            roleIds = Map.copyOf(ids);
            String parent = cfg.owned().categoryParent();
            if (!parent.isEmpty()) {
                parentCategoryId = Sql.longValue(c, sql.q("SELECT MIN(id) FROM {course_categories} WHERE idnumber = ?"), parent);
                if (parentCategoryId == 0) {
                    throw new ConfigException("setting entsync.categories.parent: no course category with idnumber '" + parent + "' in this Moodle");
                }
            }
            c.rollback();
        } catch (SQLException e) {
            throw new ConfigException("Moodle database: " + safeMessage(e));
        }
    }

    public long roleId(String shortname) {
        Long id = roleIds.get(shortname);
        if (id == null) throw new IllegalStateException("role " + shortname + " was not checked at start-up");
        return id;
    }

    public String roleShortname(long id) {
        return roleIds.entrySet().stream().filter(e -> e.getValue() == id).map(Map.Entry::getKey).findFirst().orElse("role " + id);
    }

    /** The category under which school categories are created (0 = top level). */
    public long parentCategoryId() {
        return parentCategoryId;
    }

    /** The database file of an embedded H2 url ({@code jdbc:h2:file:./data/moodle;...} or {@code jdbc:h2:./x}), else null. */
    static Path h2File(String url) {
        String rest = url.substring("jdbc:h2:".length());
        int semi = rest.indexOf(';');
        if (semi >= 0) rest = rest.substring(0, semi);
        if (rest.startsWith("file:")) rest = rest.substring(5);
        else if (rest.startsWith("mem:") || rest.startsWith("tcp:") || rest.startsWith("ssl:") || rest.startsWith("zip:")) return null;
        if (rest.startsWith("~")) rest = System.getProperty("user.home") + rest.substring(1);
        return rest.isEmpty() ? null : Path.of(rest).toAbsolutePath().normalize();
    }

    /** The H2 data folder holds the whole Moodle user table: created rwx------ when ent-sync creates it. */
    private static void privateH2Folder(Path dir) {
        if (dir == null || Files.exists(dir) || !POSIX) return;
        try {
            if (dir.getParent() != null && !Files.exists(dir.getParent())) privateH2Folder(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ConfigException("setting entsync.moodle.jdbcUrl: cannot create the H2 data folder " + dir + " (" + e.getMessage() + ")");
        }
    }

    /** ... and its files are rw------- whatever the umask. */
    private static void privateH2Files(Path file) {
        if (!POSIX) return;
        for (String ext : new String[]{".mv.db", ".trace.db", ".lock.db"}) {
            Path f = file.resolveSibling(file.getFileName() + ext);
            try {
                if (Files.exists(f)) Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException | UnsupportedOperationException e) {
                // not ours to fix (another owner): the folder permissions still apply
            }
        }
    }

    /**
     * The pool's "Connection is not available, request timed out after 15001ms" hides why: the driver's last error
     * (wrong password, unknown database, connection refused) is its cause.
     */
    private static String lastError(SQLException e) {
        Throwable cause = e.getCause();
        if (cause == null || cause == e || cause.getMessage() == null) return "";
        return "; last error: " + SyncConfig.redactUrl(cause.getMessage().replaceAll("\\s+", " ").trim());
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

    /**
     * Counts entries created in Moodle by this process. PostgreSQL plans from table statistics that only
     * (auto)ANALYZE refreshes: a table filled from empty by a first sync (or on a server with autovacuum off) still
     * looks empty, and the planner then probes {@code ekey IN (…)} through the wrong index, scanning the whole
     * table for every page (quadratic). So after 2 000, 8 000, 32 000… creations the growing tables are analyzed,
     * in the background on a connection of their own (ANALYZE takes no lock that blocks writers; without the
     * privilege PostgreSQL only warns).
     */
    public void entriesCreated(long n) {
        if (n <= 0 || sql.dialect() != Dialect.POSTGRESQL) return;
        long total = created.addAndGet(n);
        if (total < nextAnalyze || !analyzing.compareAndSet(false, true)) return;
        nextAnalyze = total * 4;
        Thread t = new Thread(this::analyze, "analyze-" + instance);
        t.setDaemon(true);
        analyzer = t;
        t.start();
    }

    private void analyze() {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (java.sql.Statement st = c.createStatement()) {
                // a small sample (3 000 rows a table, not 30 000) tells the planner the tables are no longer empty: these
                // passes cost 4.8 s of the server's CPU during a first sync of 100 000 people with the default target;
                // autovacuum's own ANALYZE later refines them
                st.execute("SET LOCAL default_statistics_target = 10");
                st.execute("ANALYZE " + String.join(", ", GROWING_TABLES.stream().map(sql::t).toList()));
            }
            c.commit();
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(TargetDatabase.class).warn("ANALYZE of the Moodle tables failed: {}", safeMessage(e));
        } finally {
            analyzing.set(false);
        }
    }

    @Override
    public void close() {
        Thread t = analyzer;
        if (t != null) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dataSource.close();
    }
}
