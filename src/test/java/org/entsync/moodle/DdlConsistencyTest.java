package org.entsync.moodle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Pure check (no database): the three dialect DDL files describe the same tables and columns. */
class DdlConsistencyTest {

    private static final Pattern CREATE_TABLE =
            Pattern.compile("(?is)^CREATE\\s+TABLE\\s+\\$\\{prefix\\}(\\w+)\\s*\\((.*)\\)[^)]*$");
    private static final Pattern INDEX =
            Pattern.compile("(?is)^CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(\\S+)\\s+ON\\s+\\$\\{prefix\\}(\\w+)\\s*\\((.*)\\)$");
    private static final int MAX_PREFIX = 10;

    @Test
    void dialectsDeclareTheSameTablesAndColumns() {
        Map<String, List<String>> h2 = columns(Dialect.H2);
        Map<String, List<String>> pg = columns(Dialect.POSTGRESQL);
        Map<String, List<String>> maria = columns(Dialect.MARIADB);
        assertEquals(pg.keySet(), h2.keySet(), "tables h2 vs postgresql");
        assertEquals(pg.keySet(), maria.keySet(), "tables mariadb vs postgresql");
        for (String t : pg.keySet()) {
            assertEquals(pg.get(t), h2.get(t), "columns of " + t + " (h2 vs postgresql)");
            assertEquals(pg.get(t), maria.get(t), "columns of " + t + " (mariadb vs postgresql)");
        }
    }

    @Test
    void allRequiredTablesAreDeclared() {
        Set<String> expected = new TreeSet<>(List.of("user", "context", "cohort", "cohort_members", "role",
                "role_assignments", "course", "course_categories", "groups", "groups_members", "groupings",
                "groupings_groups", "enrol", "user_enrolments", "user_info_category", "user_info_field",
                "user_info_data", "config", "cache_flags", "mnet_host"));
        for (Dialect d : Dialect.values()) {
            assertEquals(expected, new TreeSet<>(columns(d).keySet()), d.toString());
            assertEquals(expected, new TreeSet<>(MoodleSchemaInstaller.tableNames(d)), d.toString());
        }
    }

    @Test
    void coreRequirementsExistInTheDdl() {
        Map<String, List<String>> pg = columns(Dialect.POSTGRESQL);
        MoodleSchemaChecker.coreRequirements().forEach((table, cols) -> {
            assertTrue(pg.containsKey(table), table);
            for (String c : cols) {
                assertTrue(pg.get(table).contains(c), table + "." + c);
            }
        });
    }

    @Test
    void dialectsDeclareTheSameIndexesWithShortUniqueNames() {
        Map<String, String> pg = indexes(Dialect.POSTGRESQL);
        pg.keySet().removeIf(n -> n.endsWith("_pattern")); // PostgreSQL-only varchar_pattern_ops index
        assertEquals(pg, indexes(Dialect.H2));
        assertEquals(pg, indexes(Dialect.MARIADB));
        assertTrue(pg.containsValue("UNIQUE user(mnethostid, username)"), pg.toString());
        for (Dialect d : Dialect.values()) {
            for (String name : indexes(d).keySet()) {
                // PostgreSQL truncates identifiers at 63 bytes
                assertTrue(name.replace("${prefix}", "x".repeat(MAX_PREFIX)).length() <= 63, name);
            }
        }
    }

    @Test
    void seedOnlyTouchesDeclaredTablesAndColumns() {
        Map<String, List<String>> pg = columns(Dialect.POSTGRESQL);
        Pattern insert = Pattern.compile("(?is)^INSERT\\s+INTO\\s+\\$\\{prefix\\}(\\w+)\\s*\\(([^)]*)\\)");
        int n = 0;
        for (String sql : MoodleSchemaInstaller.splitStatements(MoodleSchemaInstaller.resource("seed.sql"))) {
            Matcher m = insert.matcher(sql);
            assertTrue(m.find(), sql);
            String table = m.group(1).toLowerCase(Locale.ROOT);
            assertTrue(pg.containsKey(table), table);
            for (String c : m.group(2).split(",")) {
                assertTrue(pg.get(table).contains(c.strip().toLowerCase(Locale.ROOT)), table + "." + c.strip());
            }
            n++;
        }
        assertTrue(n > 20, "seed statements: " + n);
    }

    @Test
    void splitterHandlesCommentsAndMultiLineStatements() {
        assertEquals(List.of("SELECT 1", "INSERT INTO t (a)\nVALUES (1)"),
                MoodleSchemaInstaller.splitStatements("-- c\nSELECT 1;\n\nINSERT INTO t (a)\nVALUES (1);\n"));
    }

    /** table -> column names in declaration order, parsed from the dialect DDL resource. */
    static Map<String, List<String>> columns(Dialect d) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String sql : MoodleSchemaInstaller.splitStatements(MoodleSchemaInstaller.resource(d.resourceName() + ".sql"))) {
            Matcher m = CREATE_TABLE.matcher(sql);
            if (!m.find()) {
                continue;
            }
            List<String> cols = new ArrayList<>();
            for (String line : m.group(2).split("\\R")) {
                String def = line.strip();
                if (def.isEmpty() || def.toUpperCase(Locale.ROOT).startsWith("CONSTRAINT")) {
                    continue;
                }
                cols.add(def.split("\\s+")[0].replace("\"", "").replace("`", "").toLowerCase(Locale.ROOT));
            }
            out.put(m.group(1).toLowerCase(Locale.ROOT), cols);
        }
        return out;
    }

    /** index name -> "[UNIQUE ]table(cols)". */
    static Map<String, String> indexes(Dialect d) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String sql : MoodleSchemaInstaller.splitStatements(MoodleSchemaInstaller.resource(d.resourceName() + ".sql"))) {
            Matcher m = INDEX.matcher(sql);
            if (m.find()) {
                String cols = m.group(4).replace("\"", "").toLowerCase(Locale.ROOT);
                String prev = out.put(m.group(2), (m.group(1) == null ? "" : "UNIQUE ") + m.group(3) + "(" + cols + ")");
                assertEquals(null, prev, "duplicate index name " + m.group(2) + " in " + d);
            }
        }
        return out;
    }
}
