package org.entsync.reliability;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.Sql;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.SyncFixture;
import org.entsync.testsupport.TestCa;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets and permissions. A real sync over LDAPS (trust store with a password) with a non-root bind DN into an
 * embedded H2 Moodle with a password, run as child JVMs in every way a password can be given (inline, env:, file:)
 * and in every failure that handles one (wrong DB, LDAP or trust store password, configuration error, mistyped
 * option), plus --help and validate: no configured password appears in any stdout/stderr, log line or report file.
 * Report files/folders and the H2 data folder are private (no group/other permission). The table prefix is
 * validated; main code builds no LDAP filter by concatenating values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityTest {
    static final String LDAP_PW = "LdapPw-7f3a9c-secret";
    static final String DB_PW = "DbPw-51b2e8-secret";
    static final String TS_PW = "StorePw-c04d17-secret";
    static final List<String> SECRETS = List.of(LDAP_PW, DB_PW, TS_PW, "LdapPw-WRONG-1e2", "DbPw-WRONG-3f4", "StorePw-WRONG-5a6");

    private TestDatabase fixtureDb;
    private SyncFixture fx;
    private Slapd tls;
    private Path work;
    private Map<String, String> settings;
    private final Map<String, String> outputs = new LinkedHashMap<>();
    private final List<String> journal = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        assertTrue(TestCa.available(), "openssl is needed");
        fixtureDb = TestDatabase.create(Dialect.H2, "security");
        fx = new SyncFixture(fixtureDb, new GeneratorOptions(1, 30, 2L, GeneratorOptions.DEFAULT_SUFFIX));
        work = fx.work().resolve("security");
        TestCa ca = TestCa.create(work.resolve("ca"), "security test CA");
        Path store = ca.trustStore(work.resolve("trust.p12"), TS_PW);
        tls = Slapd.startTls(work.resolve("tls-slapd"), fx.slapd.suffix(), fx.work().resolve("directory.ldif"), ca.issueLocalhost().tls());
        String reader = "cn=reader," + fx.slapd.suffix();
        try (LDAPConnection c = tls.connect()) {
            Entry e = new Entry(reader);
            e.addAttribute("objectClass", "top", "person");
            e.addAttribute("cn", "reader");
            e.addAttribute("sn", "reader");
            e.addAttribute("userPassword", LDAP_PW);
            c.add(e);
        }
        settings = new LinkedHashMap<>(fx.settings(fixtureDb, Map.of()));
        settings.put("entsync.ldap.url", tls.ldapsUrl());
        settings.put("entsync.ldap.bindDn", reader);
        settings.put("entsync.ldap.password", LDAP_PW);
        settings.put("entsync.ldap.trustStore", store.toString());
        settings.put("entsync.ldap.trustStorePassword", TS_PW);
        settings.put("entsync.moodle.jdbcUrl", "jdbc:h2:file:" + work.resolve("data").resolve("moodle") + ";NON_KEYWORDS=VALUE");
        settings.put("entsync.moodle.user", "moodle");
        settings.put("entsync.moodle.password", DB_PW);
        settings.put("entsync.moodle.createSchema", "embedded-only");
        settings.put("entsync.report.dir", work.resolve("reports").toString());
    }

    @AfterAll
    void stop() throws IOException {
        Files.createDirectories(Path.of("target", "reliability"));
        Files.write(Path.of("target", "reliability", "security.txt"), journal);
        if (tls != null) tls.close();
        if (fx != null) fx.close();
        if (fixtureDb != null) fixtureDb.close();
    }

    @Test
    @Order(1)
    void noPasswordInAnyOutputOrReport() throws Exception {
        // the wrong database password waits for the pool's 15 s connection timeout: started first, collected last, on
        // a database of its own (created here with the right password) so that it never holds the main H2 file
        String otherUrl = "jdbc:h2:file:" + work.resolve("data2").resolve("moodle") + ";NON_KEYWORDS=VALUE";
        java.sql.DriverManager.getConnection(otherUrl, "moodle", DB_PW).close();
        Path slowLog = work.resolve("child").resolve("wrong-db.log");
        Files.createDirectories(slowLog.getParent());
        Map<String, String> wrongDb = with("entsync.moodle.password", "DbPw-WRONG-3f4");
        wrongDb.put("entsync.moodle.jdbcUrl", otherUrl);
        Process slow = Reliability.child(List.of("sync"), wrongDb, Map.of(), slowLog).start();
        long slowStart = System.nanoTime();
        // inline passwords, debug logging
        run("sync (inline passwords, DEBUG log)", List.of("sync"), settings, Map.of("ENTSYNC_LOG_LEVEL", "DEBUG"), 0);
        // env: and file: passwords
        Path pwFile = work.resolve("ldap.secret");
        Files.writeString(pwFile, LDAP_PW + "\n", StandardCharsets.UTF_8);
        Map<String, String> indirect = new LinkedHashMap<>(settings);
        indirect.put("entsync.ldap.password", "file:" + pwFile);
        indirect.put("entsync.moodle.password", "env:ES_DB_PW");
        indirect.put("entsync.ldap.trustStorePassword", "env:ES_TS_PW");
        Map<String, String> env = Map.of("ES_DB_PW", DB_PW, "ES_TS_PW", TS_PW, "ENTSYNC_LOG_LEVEL", "DEBUG");
        run("sync --dry-run (file: and env: passwords)", List.of("sync", "--dry-run"), indirect, env, 0);
        run("validate", List.of("validate"), settings, Map.of(), 0);
        run("--help", List.of("--help"), Map.of(), Map.of(), 0);
        run("sync --help", List.of("sync", "--help"), Map.of(), Map.of(), 0);
        // failures that handle a password
        run("wrong LDAP password", List.of("sync"), with("entsync.ldap.password", "LdapPw-WRONG-1e2"), Map.of(), 1);
        run("wrong trust store password", List.of("sync"), with("entsync.ldap.trustStorePassword", "StorePw-WRONG-5a6"), Map.of(), 2);
        run("validate with a wrong LDAP password", List.of("validate"), with("entsync.ldap.password", "LdapPw-WRONG-1e2"), Map.of(), 2);
        run("configuration error (prefix)", List.of("sync"), with("entsync.moodle.prefix", "Bad-"), Map.of(), 2);
        List<String> mistyped = new ArrayList<>(List.of("sync", "--sett", "entsync.ldap.password=" + LDAP_PW));
        run("mistyped option followed by a password", mistyped, Map.of(), Map.of(), 2);
        run("unknown setting given a password", List.of("sync", "--set", "entsync.ldap.pasword=" + LDAP_PW), Map.of(), Map.of(), 2);

        assertTrue(slow.waitFor(60, TimeUnit.SECONDS));
        outputs.put("wrong database password", Reliability.read(slowLog));
        journal.add(String.format("%-45s exit %d in %5d ms (in parallel); last line: %s", "wrong database password", slow.exitValue(),
                (System.nanoTime() - slowStart) / 1_000_000, outputs.get("wrong database password").strip()));
        assertEquals(2, slow.exitValue(), outputs.get("wrong database password"));
        assertTrue(outputs.get("wrong database password").contains("Moodle database") && outputs.get("wrong database password").contains("Wrong user name or password"),
                outputs.get("wrong database password"));
        assertTrue(outputs.get("wrong LDAP password").contains("invalid bind DN or password"), outputs.get("wrong LDAP password"));
        assertTrue(outputs.get("wrong trust store password").contains("entsync.ldap.trustStorePassword"), outputs.get("wrong trust store password"));

        List<String> leaks = new ArrayList<>();
        outputs.forEach((what, out) -> {
            for (String s : SECRETS) if (out.contains(s)) leaks.add(what + ": " + s + " in\n" + out);
        });
        try (Stream<Path> files = Files.walk(work.resolve("reports"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = Files.readString(f);
                for (String s : SECRETS) if (content.contains(s)) leaks.add(f + ": " + s);
            }
        }
        try (Stream<Path> files = Files.list(work.resolve("data"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".trace.db")).toList()) {
                for (String s : SECRETS) if (Files.readString(f).contains(s)) leaks.add(f + ": " + s);
            }
        }
        assertEquals(List.of(), leaks);
        assertTrue(Files.list(work.resolve("reports").resolve("default")).count() >= 3, "report files were written and searched");
    }

    @Test
    @Order(2)
    void reportsAndTheH2FolderAreNotWorldReadable() throws IOException {
        Path reports = work.resolve("reports");
        assertEquals("rwx------", perms(reports));
        assertEquals("rwx------", perms(reports.resolve("default")));
        try (Stream<Path> files = Files.list(reports.resolve("default"))) {
            for (Path f : files.toList()) assertEquals("rw-------", perms(f), f.toString());
        }
        assertEquals("rwx------", perms(work.resolve("data")), "H2 data folder");
        try (Stream<Path> files = Files.list(work.resolve("data"))) {
            for (Path f : files.toList()) assertEquals("rw-------", perms(f), f.toString());
        }
    }

    @Test
    @Order(3)
    void tablePrefixIsValidated() {
        // (surrounding spaces are trimmed from every setting, so "mdl_ " is "mdl_")
        for (String bad : List.of("Mdl-", "mdl_;drop", "", "abcdefghijk", "mdl _", "MDL_", "mdl_é", "m'", "mdl_\n_", "mdl.x")) {
            ConfigException e = assertThrows(ConfigException.class, () -> SyncConfig.from(Settings.defaultsWith(Map.of("entsync.moodle.prefix", bad))), bad);
            assertTrue(e.getMessage().startsWith("setting entsync.moodle.prefix: expected 1-10 characters among a-z 0-9 _"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Sql(Dialect.POSTGRESQL, bad));
        }
        for (String good : List.of("mdl_", "m", "abcdefghij", "moodle_01_")) {
            assertEquals(good, SyncConfig.from(Settings.defaultsWith(Map.of("entsync.moodle.prefix", good))).moodle().prefix());
        }
    }

    /**
     * No LDAP filter is built by concatenating a value into it: every "(attr=" literal followed by '+' in main code is
     * a finding (values must go through LdapFilters.equals, which escapes per RFC 4515).
     */
    @Test
    @Order(4)
    void mainCodeBuildsNoLdapFilterFromValues() throws IOException {
        Pattern concatenated = Pattern.compile("\"[^\"]*\\((?:[&|!]\\()?[A-Za-z][A-Za-z0-9;-]*[~<>]?=[^\"]*\"\\s*\\+");
        Pattern formatted = Pattern.compile("\"[^\"]*\\([A-Za-z][A-Za-z0-9-]*=%s");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.endsWith(Path.of("org", "entsync", "ldap", "LdapFilters.java"))) continue;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = concatenated.matcher(lines.get(i));
                    if (m.find() || formatted.matcher(lines.get(i)).find()) found.add(f + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertEquals(List.of(), found);
    }

    // ---------------------------------------------------------------------------------------------------------

    private Map<String, String> with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(settings);
        m.put(key, value);
        return m;
    }

    private void run(String what, List<String> args, Map<String, String> s, Map<String, String> env, int expectedExit) throws Exception {
        Path log = work.resolve("child").resolve(outputs.size() + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = Reliability.child(args, s, Map.of(), log);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), what + " did not finish");
        String out = Reliability.read(log);
        outputs.put(what, out);
        journal.add(String.format("%-45s exit %d in %5d ms; last line: %s", what, p.exitValue(), (System.nanoTime() - t0) / 1_000_000,
                out.strip().lines().reduce((a, b) -> b).orElse("")));
        assertEquals(expectedExit, p.exitValue(), () -> what + ":\n" + out);
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
