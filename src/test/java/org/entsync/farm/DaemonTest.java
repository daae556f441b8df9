package org.entsync.farm;

import org.entsync.config.Settings;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Daemon mode in-process on a real slapd and PostgreSQL: cron schedule, file drop (good and unknown), metrics. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonTest {
    private Slapd slapd;
    private TestDatabase db;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory("entsync-daemon");
        slapd = Slapd.startGenerated(work, new GeneratorOptions(2, 30, 3L, "dc=ent-demo,dc=fr"));
        db = TestDatabase.create(Dialect.POSTGRESQL, "daemon");
        MoodleSchemaInstaller.install(db.dataSource(), Dialect.POSTGRESQL, "mdl_");
    }

    @AfterAll
    void stop() {
        if (slapd != null) slapd.close();
        if (db != null) db.close();
        org.entsync.testsupport.TestWork.delete(work);
    }

    private List<String> runs(String trigger) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT mode, outcome FROM mdl_entsync_run WHERE runtrigger = '" + trigger + "' ORDER BY id")) {
            while (rs.next()) out.add(rs.getString(1) + ":" + rs.getString(2));
        }
        return out;
    }

    private static void await(BooleanSupplier ok, long millis, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(200);
        }
    }

    @Test
    void schedulesFileDropAndMetrics() throws Exception {
        Path farm = work.resolve("farm.yaml");
        Files.writeString(farm, "instances:\n  - name: college\n    jdbcUrl: \"" + db.jdbcUrl() + "\"\n    user: " + db.user()
                + "\n    password: \"\"\n    prefix: mdl_\n    schedule: \"*/2 * * * * ?\"\n");
        Path inbox = work.resolve("inbox");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("entsync.ldap.url", slapd.url());
        m.put("entsync.ldap.bindDn", slapd.bindDn());
        m.put("entsync.ldap.password", slapd.password());
        m.put("entsync.moodle.createSchema", "never");
        m.put("entsync.farm.file", farm.toString());
        m.put("entsync.daemon.inbox", inbox.toString());
        m.put("entsync.daemon.httpPort", "0");
        m.put("entsync.report.dir", work.resolve("reports").toString());
        try (DaemonRunner d = new DaemonRunner(Settings.defaultsWith(m), Path.of("routes"))) {
            await(() -> safe("schedule").split("differential:success").length > 2, 30_000, "two finished scheduled runs");
            assertTrue(runs("schedule").stream().allMatch(r -> r.equals("differential:success") || r.equals("differential:running")), () -> safe("schedule"));
            Files.writeString(inbox.resolve("college.full"), "");
            Files.writeString(inbox.resolve("nowhere.full"), "");
            await(() -> Files.exists(inbox.resolve("failed/nowhere.full.reason")) && listing(inbox.resolve("done")).size() == 1, 30_000, "files moved");
            assertTrue(Files.readString(inbox.resolve("failed/nowhere.full.reason")).contains("unknown instance 'nowhere'"));
            assertTrue(listing(inbox.resolve("done")).get(0).matches("college\\.full\\.run\\d+"), listing(inbox.resolve("done")).toString());
            assertEquals(List.of("full:success"), runs("file-drop"));
        }
        Thread.sleep(500);
        long fired = count("schedule");
        Thread.sleep(3000);
        assertEquals(fired, count("schedule"), "no fire after the daemon stopped");
        // metrics were exposed while running
        assertTrue(Metrics.REGISTRY.scrape().contains("entsync_runs_total{instance=\"college\",outcome=\"success\"}"));
    }

    private long count(String trigger) {
        try {
            return runs(trigger).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private String safe(String trigger) {
        try {
            return runs(trigger).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static List<String> listing(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
