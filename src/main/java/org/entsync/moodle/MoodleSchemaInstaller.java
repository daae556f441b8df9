package org.entsync.moodle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Creates the subset of the Moodle 4.1 schema that ent-sync uses, plus the rows of a fresh site
 * (see {@code moodle/ddl/*.sql}). Meant for the embedded H2 default and for tests only: a real
 * Moodle database is installed by Moodle itself.
 *
 * <p>The table prefix is mandatory ({@code [a-z0-9_]{1,10}}, e.g. {@code mdl_}): identifiers are
 * not quoted, and {@code user} / {@code groups} are reserved words without a prefix.
 *
 * <p>Idempotent: nothing happens when {@code <prefix>config} already exists.
 */
public final class MoodleSchemaInstaller {

    /** Allowed table prefixes. An empty prefix is not supported. */
    public static final Pattern PREFIX_PATTERN = Pattern.compile("[a-z0-9_]{1,10}");

    static final String RESOURCE_DIR = "moodle/ddl/";
    static final String SEED_RESOURCE = RESOURCE_DIR + "seed.sql";
    private static final Pattern CREATE_TABLE =
            Pattern.compile("(?i)^\\s*CREATE\\s+TABLE\\s+\\$\\{prefix\\}(\\w+)");

    private MoodleSchemaInstaller() {
    }

    /**
     * Runs the dialect DDL and the seed unless {@code <prefix>config} exists already, then restarts
     * every id sequence / identity above the highest seeded id.
     *
     * @throws IllegalArgumentException if the prefix does not match {@link #PREFIX_PATTERN}
     * @throws IllegalStateException    if the database rejects a statement
     */
    public static void install(DataSource ds, Dialect d, String prefix) {
        checkPrefix(prefix);
        if (ds == null || d == null) {
            throw new IllegalArgumentException("data source and dialect are required");
        }
        List<String> ddl = statements(d.resourceName() + ".sql", prefix);
        List<String> seed = statements("seed.sql", prefix);
        try (Connection c = ds.getConnection()) {
            if (MoodleSchemaChecker.tableExists(c, prefix + "config")) {
                return;
            }
            boolean transactional = d == Dialect.POSTGRESQL; // MariaDB/H2 commit DDL implicitly anyway
            boolean oldAutoCommit = c.getAutoCommit();
            c.setAutoCommit(!transactional);
            try (Statement st = c.createStatement()) {
                if (d == Dialect.H2) {
                    st.execute("SET NON_KEYWORDS VALUE"); // session only: lets the seed use config.value
                }
                String current = null;
                try {
                    for (String sql : ddl) {
                        current = sql;
                        st.execute(sql);
                    }
                    for (String sql : seed) {
                        current = sql;
                        st.execute(sql);
                    }
                    current = null;
                    restartIds(c, d, prefix, tableNames(d));
                } catch (SQLException e) {
                    if (transactional) {
                        c.rollback();
                    }
                    throw new IllegalStateException("Moodle schema installation failed"
                            + (current == null ? "" : " at: " + firstLine(current)) + ": " + e.getMessage(), e);
                }
                if (transactional) {
                    c.commit();
                }
            } finally {
                c.setAutoCommit(oldAutoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Moodle schema installation failed: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException unless the prefix matches {@link #PREFIX_PATTERN} */
    public static String checkPrefix(String prefix) {
        if (prefix == null || !PREFIX_PATTERN.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "invalid Moodle table prefix '" + prefix + "': expected [a-z0-9_]{1,10} (an empty prefix is not supported)");
        }
        return prefix;
    }

    /** Unprefixed names of the tables the dialect DDL creates, in creation order. */
    public static List<String> tableNames(Dialect d) {
        List<String> names = new ArrayList<>();
        for (String sql : splitStatements(resource(d.resourceName() + ".sql"))) {
            Matcher m = CREATE_TABLE.matcher(sql);
            if (m.find()) {
                names.add(m.group(1).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return names;
    }

    /** Reads a resource under {@code moodle/ddl/} as UTF-8 text. */
    public static String resource(String name) {
        String path = RESOURCE_DIR + name;
        try (InputStream in = MoodleSchemaInstaller.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Splits SQL text into statements: a statement ends with a line ending in {@code ;}. Lines
     * starting with {@code --} are dropped. The trailing {@code ;} is removed.
     */
    public static List<String> splitStatements(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (cur.length() > 0) {
                cur.append('\n');
            }
            if (trimmed.endsWith(";")) {
                cur.append(line, 0, line.lastIndexOf(';'));
                out.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(line);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().strip());
        }
        return out;
    }

    private static List<String> statements(String resourceName, String prefix) {
        List<String> out = new ArrayList<>();
        for (String sql : splitStatements(resource(resourceName))) {
            out.add(sql.replace("${prefix}", prefix));
        }
        return out;
    }

    /** Puts each table's id generator above MAX(id), so that inserts without an id never collide. */
    private static void restartIds(Connection c, Dialect d, String prefix, List<String> tables) throws SQLException {
        for (String t : tables) {
            String table = prefix + t;
            long next;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table)) {
                rs.next();
                next = rs.getLong(1);
            }
            switch (d) {
                case POSTGRESQL -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT setval(pg_get_serial_sequence(?, 'id'), ?, false)")) {
                        ps.setString(1, table);
                        ps.setLong(2, next);
                        ps.execute();
                    }
                }
                case MARIADB -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE " + table + " AUTO_INCREMENT = " + next);
                    }
                }
                case H2 -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE " + table + " ALTER COLUMN id RESTART WITH " + next);
                    }
                }
            }
        }
    }

    private static String firstLine(String sql) {
        int nl = sql.indexOf('\n');
        return nl < 0 ? sql : sql.substring(0, nl) + " ...";
    }
}
