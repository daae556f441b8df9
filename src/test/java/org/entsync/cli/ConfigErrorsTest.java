package org.entsync.cli;

import org.entsync.moodle.Dialect;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wrong setting stops the program with exit code 2 and one line naming the setting or object to fix. */
class ConfigErrorsTest extends MoodleDatabaseTest {
    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }

    private record Result(int code, String err) {
    }

    private Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = EntSync.execute(args);
            return new Result(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private void assertOneLine(Result r, String... fragments) {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().lines().filter(l -> l.startsWith("ent-sync:")).toArray(String[]::new);
        assertEquals(1, lines.length, r.err());
        for (String f : fragments) assertTrue(lines[0].contains(f), () -> "'" + f + "' not in: " + lines[0]);
    }

    @Test
    void badLdapUrl() {
        assertOneLine(run("sync", "--set", "entsync.ldap.url=htp//nowhere"), "entsync.ldap.url", "ldap://");
    }

    @Test
    void badPrefix() {
        assertOneLine(run("sync", "--set", "moodle.prefix=Mdl-"), "entsync.moodle.prefix", "a-z");
    }

    @Test
    void unknownSetting() {
        assertOneLine(run("sync", "--set", "entsync.ldap.pagesize=10"), "entsync.ldap.pagesize", "unknown setting");
    }

    @Test
    void badChangeMarker() {
        assertOneLine(run("sync", "--set", "entsync.ldap.changeMarker=entry CSN"), "entsync.ldap.changeMarker", "entryCSN", "none");
    }

    @Test
    void badNumber() {
        assertOneLine(run("sync", "--set", "entsync.ldap.pageSize=lots"), "entsync.ldap.pageSize", "whole number");
    }

    @Test
    void prefixWithoutTables() {
        assertOneLine(run("validate", "--set", "entsync.moodle.jdbcUrl=" + db.jdbcUrl(), "--set", "entsync.moodle.user=" + db.user(),
                "--set", "entsync.moodle.prefix=zz_", "--set", "entsync.moodle.createSchema=never"), "prefix 'zz_'", "zz_config");
    }

    @Test
    void missingTable() throws Exception {
        update("DROP TABLE {p}cohort_members");
        assertOneLine(run("validate", "--set", "entsync.moodle.jdbcUrl=" + db.jdbcUrl(), "--set", "entsync.moodle.user=" + db.user()),
                "mdl_cohort_members");
    }

    @Test
    void aBadMappingIsReportedBeforeABadDatabase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // the mappings are read while the database is opened: with both wrong, the mapping is named, as it was
        // when they were read first
        java.nio.file.Path sdet = java.nio.file.Files.createDirectories(dir.resolve("sdet"));
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("mappings/sdet"))) {
            for (java.nio.file.Path f : files.toList()) java.nio.file.Files.copy(f, sdet.resolve(f.getFileName()));
        }
        java.nio.file.Files.writeString(sdet.resolve("users.yaml"), "keyy: username\n", java.nio.file.StandardOpenOption.APPEND);
        assertOneLine(run("validate", "--set", "entsync.mapping.dir=" + dir, "--set", "entsync.moodle.jdbcUrl=" + db.jdbcUrl(),
                "--set", "entsync.moodle.user=" + db.user(), "--set", "entsync.moodle.prefix=zz_", "--set", "entsync.moodle.createSchema=never"),
                "users.yaml", "keyy");
    }

    @Test
    void missingConfigFile() {
        assertOneLine(run("sync", "--config", "/nonexistent/ent-sync.properties"), "--config", "not found");
    }

    @Test
    void passwordFromMissingEnvironmentVariable() {
        assertOneLine(run("validate", "--set", "entsync.ldap.password=env:ENTSYNC_TEST_SURELY_UNSET"), "entsync.ldap.password", "ENTSYNC_TEST_SURELY_UNSET");
    }
}
