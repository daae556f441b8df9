package org.entsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.entsync.testsupport.Slapd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report of a real run through the command line (child JVM) on slapd and PostgreSQL: its counts equal what
 * the database holds, the history table gets one row per run, the page renders in headless Chromium without
 * console errors (screenshot kept in target/report-artifacts/), and the configured passwords appear in no output.
 */
class RealRunReportTest extends MoodleDatabaseTest {
    private static final String DB_PASSWORD = "Pg-Secr3t-Do-Not-Leak";
    private static final String TRUST_PASSWORD = "Trust-Secr3t-Do-Not-Leak";
    private Slapd slapd;
    private Path work;

    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @BeforeAll
    void startDirectory() throws Exception {
        work = Files.createTempDirectory("entsync-report");
        slapd = Slapd.startGenerated(work, new GeneratorOptions(2, 40, 21L, "dc=ent-demo,dc=fr"));
    }

    @AfterAll
    void stopDirectory() {
        if (slapd != null) slapd.close();
        org.entsync.testsupport.TestWork.delete(work);
    }

    private String cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.entsync.cli.EntSync"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--set", "entsync.ldap.url=" + slapd.url(), "--set", "entsync.ldap.bindDn=" + slapd.bindDn(),
                "--set", "entsync.ldap.password=" + slapd.password(), "--set", "entsync.moodle.jdbcUrl=" + db.jdbcUrl(),
                "--set", "entsync.moodle.user=" + db.user(), "--set", "entsync.moodle.password=" + DB_PASSWORD,
                "--set", "entsync.ldap.trustStorePassword=" + TRUST_PASSWORD,
                "--set", "entsync.moodle.createSchema=never", "--set", "entsync.report.dir=" + work.resolve("reports")));
        Path out = work.resolve("cli-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).directory(new File(System.getProperty("user.dir"))).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return Files.readString(out);
    }

    @Test
    void reportOfARealRun() throws Exception {
        String first = cli("sync");
        assertTrue(first.contains("SUCCESS"), first);
        JsonNode r = new ObjectMapper().readTree(work.resolve("reports/default/latest.json").toFile());
        JsonNode e = r.get("entities");
        assertEquals(count("SELECT COUNT(*) FROM {p}user WHERE auth = 'cas'"), e.get("users").get("counts").get("created").asLong());
        assertEquals(count("SELECT COUNT(*) FROM {p}course_categories"), e.get("categories").get("counts").get("created").asLong());
        assertEquals(count("SELECT COUNT(*) FROM {p}cohort WHERE component = 'local_entsync'"), e.get("cohorts").get("counts").get("created").asLong());
        assertEquals(count("SELECT COUNT(*) FROM {p}cohort_members"), e.get("cohort-members").get("counts").get("added").asLong());
        assertEquals(count("SELECT COUNT(*) FROM {p}role_assignments WHERE component = 'local_entsync'"), e.get("role-assignments").get("counts").get("added").asLong());
        assertEquals(e.get("users").get("counts").get("created").asLong(), e.get("users").get("changes").size(), "every creation is listed");
        // where the run's time went: the steps in the order they must end
        JsonNode timeline = r.get("timeline");
        long last = -1;
        for (String step : List.of("run opened", "structures read", "people read", "people written", "removal users", "removal groups", "history recorded")) {
            assertTrue(timeline.has(step), step + " missing from " + timeline);
            assertTrue(timeline.get(step).asLong() >= last, step + " before the step above it: " + timeline);
            last = timeline.get(step).asLong();
        }
        String second = cli("sync");
        assertTrue(second.contains("SUCCESS"), second);
        assertEquals(2, count("SELECT COUNT(*) FROM {p}entsync_run WHERE outcome = 'success'"));
        String status = cli("status");
        String report = cli("report", "--last");
        String help = cli("sync", "--help");
        String validate = cli("validate");
        // the page of the first run renders with its counts and without console errors
        Path html;
        try (Stream<Path> s = Files.list(work.resolve("reports/default"))) {
            html = s.filter(p -> p.getFileName().toString().endsWith("-run1.html")).findFirst().orElseThrow();
        }
        Path artifacts = Path.of("target", "report-artifacts").toAbsolutePath();
        Files.createDirectories(artifacts);
        String dom = chromium("--dump-dom", html.toUri().toString());
        assertTrue(dom.contains(String.valueOf(e.get("users").get("counts").get("created").asLong())), "created count shown");
        assertTrue(dom.contains("f17"), "the changes table lists the created users");
        chromium("--screenshot=" + artifacts.resolve("real-run.png"), "--window-size=1280,1800", html.toUri().toString());
        assertTrue(Files.size(artifacts.resolve("real-run.png")) > 10_000);
        // no configured secret in any output
        List<String> outputs = new ArrayList<>(List.of(first, second, status, report, help, validate));
        try (Stream<Path> s = Files.walk(work.resolve("reports"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) outputs.add(Files.readString(p, StandardCharsets.UTF_8));
        }
        for (String o : outputs) {
            assertFalse(o.contains(DB_PASSWORD), "database password leaked");
            assertFalse(o.contains(TRUST_PASSWORD), "trust store password leaked");
        }
        assertTrue(validate.contains("entsync.moodle.password = ****"), validate);
    }

    private String chromium(String... args) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assertTrue(Files.isExecutable(chromium), "Chromium is missing: run scripts/run-tests (it installs it) or apt-get install -y chromium");
        Path profile = Files.createTempDirectory(work, "chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(args));
        Path out = profile.resolve("out");
        Path err = profile.resolve("err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium timed out");
        List<String> console = Files.readAllLines(err).stream().filter(l -> l.contains("CONSOLE")).toList();
        assertTrue(console.isEmpty(), "console messages: " + console);
        return Files.readString(out);
    }
}
