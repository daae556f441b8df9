package org.entsync.moodle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.junit.jupiter.api.Test;

/** Assertions shared by the per-engine schema tests (MoodleSchemaH2Test, ...PostgresTest, ...MariaDbTest). */
abstract class MoodleSchemaTestBase extends MoodleDatabaseTest {

    @Test
    void installerCreatesEveryTable() throws SQLException {
        List<String> tables = MoodleSchemaInstaller.tableNames(dialect());
        assertEquals(20, tables.size(), tables.toString());
        try (Connection c = connection()) {
            for (String t : tables) {
                assertTrue(MoodleSchemaChecker.tableExists(c, PREFIX + t), "table " + PREFIX + t);
            }
        }
    }

    @Test
    void checkerReportsNothingMissing() throws SQLException {
        try (Connection c = connection()) {
            assertEquals(List.of(), MoodleSchemaChecker.missing(c, PREFIX, MoodleSchemaChecker.coreRequirements()));
        }
    }

    @Test
    void checkerNamesMissingTablesAndDroppedColumns() throws SQLException {
        update("CREATE TABLE {p}scratch (id BIGINT NOT NULL, keepme VARCHAR(10), dropme VARCHAR(10))");
        try {
            update("ALTER TABLE {p}scratch DROP COLUMN dropme");
            Map<String, Set<String>> req = new LinkedHashMap<>();
            req.put("scratch", Set.of("id", "keepme", "dropme"));
            req.put("nosuchtable", Set.of("id"));
            try (Connection c = connection()) {
                assertEquals(List.of("column mdl_scratch.dropme is missing", "table mdl_nosuchtable is missing"),
                        MoodleSchemaChecker.missing(c, PREFIX, req));
            }
        } finally {
            update("DROP TABLE {p}scratch");
        }
    }

    @Test
    void insertsWithoutIdGetIdsAboveTheSeededOnes() throws SQLException {
        update("INSERT INTO {p}user (auth, confirmed, mnethostid, username, firstname, lastname, email, timecreated, timemodified)"
                + " VALUES ('ldap', 1, 1, 'seqcheck', 'Seq', 'Check', 'seq@example.org', 1, 1)");
        assertTrue(count("SELECT id FROM {p}user WHERE username = 'seqcheck'") > 2);
        update("INSERT INTO {p}context (contextlevel, instanceid, path, depth) VALUES (30, 999, NULL, 0)");
        assertTrue(count("SELECT id FROM {p}context WHERE contextlevel = 30 AND instanceid = 999") > 4);
        update("INSERT INTO {p}role (name, shortname, description, sortorder, archetype) VALUES ('', 'seqrole', '', 99, '')");
        assertTrue(count("SELECT id FROM {p}role WHERE shortname = 'seqrole'") > 8);
        update("INSERT INTO {p}config (name, value) VALUES ('seqcheck', 'x')");
        assertTrue(count("SELECT id FROM {p}config WHERE name = 'seqcheck'") > 8);
        update("INSERT INTO {p}mnet_host (wwwroot, ip_address, name, public_key) VALUES ('http://x', '', 'x', '')");
        assertTrue(count("SELECT id FROM {p}mnet_host WHERE wwwroot = 'http://x'") > 2);
        // a table that was seeded with nothing starts at 1
        update("INSERT INTO {p}cohort (contextid, name, descriptionformat, component, timecreated, timemodified)"
                + " VALUES (1, 'c', 1, '', 1, 1)");
        assertTrue(count("SELECT id FROM {p}cohort WHERE name = 'c'") >= 1);
    }

    @Test
    void uniqueIndexOnMnethostUsernameRejectsDuplicates() throws SQLException {
        String insert = "INSERT INTO {p}user (auth, confirmed, mnethostid, username, timecreated, timemodified)"
                + " VALUES ('ldap', 1, 1, 'dupuser', 0, 0)";
        update(insert);
        assertThrows(SQLException.class, () -> update(insert));
        // same username on another MNet host is fine
        update("INSERT INTO {p}user (auth, confirmed, mnethostid, username, timecreated, timemodified)"
                + " VALUES ('ldap', 1, 2, 'dupuser', 0, 0)");
        assertEquals(2, count("SELECT COUNT(*) FROM {p}user WHERE username = 'dupuser'"));
    }

    @Test
    void defaultsAreMoodles() throws SQLException {
        update("INSERT INTO {p}user (username, mnethostid) VALUES ('defaults', 1)");
        Map<String, Object> u = rows("SELECT * FROM {p}user WHERE username = 'defaults'").get(0);
        assertEquals("manual", u.get("auth"));
        assertEquals(0, asLong(u.get("confirmed")));
        assertEquals("", u.get("password"));
        assertEquals("", u.get("idnumber"));
        assertEquals("en", u.get("lang"));
        assertEquals("99", u.get("timezone"));
        assertEquals("gregorian", u.get("calendartype"));
        assertEquals(2, asLong(u.get("maildisplay")));
        assertEquals(1, asLong(u.get("descriptionformat")));
        assertEquals(null, u.get("description"));
        update("INSERT INTO {p}user_enrolments (enrolid, userid) VALUES (1, 1)");
        assertEquals(2147483647L, count("SELECT timeend FROM {p}user_enrolments WHERE enrolid = 1 AND userid = 1"));
        // cohort.descriptionformat has no default: it must be supplied
        assertThrows(SQLException.class, () -> update(
                "INSERT INTO {p}cohort (contextid, name, component, timecreated, timemodified) VALUES (1, 'nofmt', '', 1, 1)"));
    }

    @Test
    void freshSiteRowsAreSeeded() {
        List<String> roles = new ArrayList<>();
        for (Map<String, Object> r : rows("SELECT shortname, archetype, sortorder FROM {p}role WHERE id <= 8 ORDER BY sortorder")) {
            roles.add(r.get("shortname") + "/" + r.get("archetype") + "/" + asLong(r.get("sortorder")));
        }
        assertEquals(List.of("manager/manager/1", "coursecreator/coursecreator/2", "editingteacher/editingteacher/3",
                "teacher/teacher/4", "student/student/5", "guest/guest/6", "user/user/7", "frontpage/frontpage/8"), roles);

        assertEquals("1", configValue("mnet_localhost_id"));
        assertEquals("28800", configValue("sessiontimeout"));
        assertEquals("2", configValue("siteadmins"));
        assertEquals("1", configValue("siteguest"));
        assertEquals("0", configValue("extendedusernamechars"));

        assertEquals("http://localhost", rows("SELECT wwwroot FROM {p}mnet_host WHERE id = 1").get(0).get("wwwroot"));

        assertContext(10, 0, 1, "/1", 1);
        assertContext(50, 1, 2, "/1/2", 2);
        assertEquals("site", rows("SELECT format FROM {p}course WHERE id = 1").get(0).get("format"));
        assertEquals(0, count("SELECT category FROM {p}course WHERE id = 1"));

        Map<String, Object> guest = rows("SELECT * FROM {p}user WHERE id = 1").get(0);
        assertEquals("guest", guest.get("username"));
        assertEquals("manual", guest.get("auth"));
        assertEquals(1, asLong(guest.get("mnethostid")));
        assertEquals(1, asLong(guest.get("confirmed")));
        assertEquals("admin", rows("SELECT username FROM {p}user WHERE id = 2").get(0).get("username"));
        assertContext(30, 1, 3, "/1/3", 2);
        assertContext(30, 2, 4, "/1/4", 2);
    }

    @Test
    void installingTwiceIsHarmless() {
        long users = count("SELECT COUNT(*) FROM {p}user");
        long configs = count("SELECT COUNT(*) FROM {p}config");
        MoodleSchemaInstaller.install(db.dataSource(), dialect(), PREFIX);
        assertEquals(users, count("SELECT COUNT(*) FROM {p}user"));
        assertEquals(configs, count("SELECT COUNT(*) FROM {p}config"));
        assertEquals(8, count("SELECT COUNT(*) FROM {p}role WHERE id <= 8"));
    }

    @Test
    void invalidPrefixesAreRejected() {
        for (String bad : new String[] {"", "MDL_", "mdl-", "waytoolongprefix_", "a b", "x;drop"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> MoodleSchemaInstaller.install(db.dataSource(), dialect(), bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> MoodleSchemaInstaller.install(db.dataSource(), dialect(), null));
    }

    private String configValue(String name) {
        return String.valueOf(rows("SELECT value FROM {p}config WHERE name = ?", name).get(0).get("value"));
    }

    private void assertContext(int level, long instance, long id, String path, int depth) {
        List<Map<String, Object>> r = rows(
                "SELECT id, path, depth FROM {p}context WHERE contextlevel = ? AND instanceid = ?", level, instance);
        assertEquals(1, r.size(), "context " + level + "/" + instance);
        assertEquals(id, asLong(r.get(0).get("id")));
        assertEquals(path, r.get(0).get("path"));
        assertEquals(depth, asLong(r.get(0).get("depth")));
    }
}
