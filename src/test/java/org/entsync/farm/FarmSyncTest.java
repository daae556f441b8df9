package org.entsync.farm;

import org.entsync.config.Settings;
import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.InstanceLock;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.moodle.TargetDatabase;
import org.entsync.moodle.MoodleSchemaChecker;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A farm of six instances on PostgreSQL and MariaDB (distinct prefixes, overlapping school sets, one broken) synced
 * in one run from one read of a real slapd; plus the per-instance lock and the dry run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FarmSyncTest {
    private final List<TestDatabase> dbs = new ArrayList<>();
    private Slapd slapd;
    private Path work;
    private org.entsync.generator.GeneratedDirectory directory;
    private SyncEngine engine;

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory("entsync-farm");
        slapd = Slapd.startGenerated(work, new GeneratorOptions(4, 50, 5L, "dc=ent-demo,dc=fr"));
        directory = slapd.generated();
        dbs.add(TestDatabase.create(Dialect.POSTGRESQL, "farm_pg"));
        dbs.add(TestDatabase.create(Dialect.MARIADB, "farm_maria"));
        for (String prefix : List.of("a_", "b_", "c_")) MoodleSchemaInstaller.install(dbs.get(0).dataSource(), Dialect.POSTGRESQL, prefix);
        for (String prefix : List.of("d_", "e_")) MoodleSchemaInstaller.install(dbs.get(1).dataSource(), Dialect.MARIADB, prefix);
        engine = new SyncEngine(Path.of("routes"), 3);
    }

    @AfterAll
    void stop() {
        if (engine != null) engine.close();
        if (slapd != null) slapd.close();
        dbs.forEach(TestDatabase::close);
        org.entsync.testsupport.TestWork.delete(work);
    }

    private String uai(int i) {
        return directory.schools().get(i).uai();
    }

    private Settings base(Path farmFile) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("entsync.ldap.url", slapd.url());
        m.put("entsync.ldap.bindDn", slapd.bindDn());
        m.put("entsync.ldap.password", slapd.password());
        m.put("entsync.ldap.pageSize", "40");
        m.put("entsync.moodle.createSchema", "never");
        m.put("entsync.report.dir", work.resolve("reports").toString());
        m.put("entsync.farm.file", farmFile.toString());
        return Settings.defaultsWith(m);
    }

    private Path farmFile(boolean broken) throws Exception {
        TestDatabase pg = dbs.get(0);
        TestDatabase maria = dbs.get(1);
        StringBuilder y = new StringBuilder("instances:\n");
        instance(y, "lycee-a", pg, "a_", "[" + uai(0) + ", " + uai(1) + "]");
        instance(y, "college-b", pg, "b_", "[" + uai(1) + "]");
        instance(y, "academie-c", pg, "c_", "\"*\"");
        instance(y, "lycee-d", maria, "d_", "[" + uai(2) + ", " + uai(3) + "]");
        instance(y, "college-e", maria, "e_", "[" + uai(3) + ", " + uai(0) + "]");
        instance(y, "broken-f", maria, broken ? "zz_" : "e_", "[" + uai(0) + "]");
        Path f = work.resolve(broken ? "farm-broken.yaml" : "farm.yaml");
        Files.writeString(f, y.toString());
        return f;
    }

    private static void instance(StringBuilder y, String name, TestDatabase db, String prefix, String schools) {
        y.append("  - name: ").append(name).append('\n')
                .append("    jdbcUrl: \"").append(db.jdbcUrl()).append("\"\n")
                .append("    user: ").append(db.user()).append('\n')
                .append("    password: \"").append(db.password()).append("\"\n")
                .append("    prefix: ").append(prefix).append('\n')
                .append("    schools: ").append(schools).append('\n')
                .append("    schedule: \"0 30 2 * * ?\"\n");
    }

    private List<RunReport> sync(Path farmFile, List<String> names, RunOptions options) {
        List<FarmFile.InstanceConfig> all = FarmFile.load(base(farmFile));
        try (SyncService s = new SyncService(engine)) {
            return s.runFarm(names == null ? all : FarmFile.select(all, names), options);
        }
    }

    private long users(TestDatabase db, String prefix) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + prefix + "user WHERE auth = 'cas'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void everyInstanceSyncsItsSchoolsAndABrokenOneStopsNobody() throws Exception {
        List<RunReport> reports = sync(farmFile(true), null, RunOptions.defaults());
        Map<String, RunReport> byName = new TreeMap<>();
        reports.forEach(r -> byName.put(r.instance, r));
        assertEquals(6, reports.size());
        assertEquals(Outcome.CONFIG_ERROR.label, byName.get("broken-f").outcome);
        assertTrue(byName.get("broken-f").error.contains("zz_"), byName.get("broken-f").error);
        for (String ok : List.of("lycee-a", "college-b", "academie-c", "lycee-d", "college-e")) {
            assertEquals(Outcome.SUCCESS.label, byName.get(ok).outcome, () -> ok + ": " + byName.get(ok).error);
        }
        // one read of the directory served every instance
        long people = directory.people();
        for (RunReport r : reports) if (r.error == null) assertEquals(people, r.entities.get("users").get(org.entsync.report.EntityReport.Count.read));
        // each instance has exactly the users of its schools: all of them for "*", the sum of the parts elsewhere
        long all = users(dbs.get(0), "c_");
        long a = users(dbs.get(0), "a_");
        long b = users(dbs.get(0), "b_");
        assertTrue(a > b && all > a && b > 0, a + " " + b + " " + all);
        assertEquals(byName.get("lycee-a").entities.get("users").get(org.entsync.report.EntityReport.Count.created), a);
        assertTrue(users(dbs.get(1), "d_") > 0 && users(dbs.get(1), "e_") > 0);
        assertEquals(Outcome.CONFIG_ERROR.exitCode, Outcome.worst(reports));
        // a second run of the healthy ones changes nothing
        List<RunReport> again = sync(farmFile(false), List.of("lycee-a", "college-b", "academie-c", "lycee-d", "college-e"), RunOptions.defaults());
        for (RunReport r : again) assertEquals(0, r.totalChanges(), () -> r.instance + " " + r.entities);
        assertEquals(0, Outcome.worst(again));
        // the people of the other schools are remembered as out of scope: skipped, not mapped again, still counted
        RunReport a2 = again.stream().filter(r -> r.instance.equals("lycee-a")).findFirst().orElseThrow();
        org.entsync.report.EntityReport users2 = a2.entities.get("users");
        assertEquals(byName.get("lycee-a").entities.get("users").get(org.entsync.report.EntityReport.Count.outOfScope),
                users2.get(org.entsync.report.EntityReport.Count.outOfScope));
        assertTrue(users2.get(org.entsync.report.EntityReport.Count.outOfScope) > 0);
        assertFalse(users2.getStageMillis().containsKey("map"), () -> "mapped again: " + users2.getStageMillis());
    }

    @Test
    void aSecondRunOfAnInstanceIsRefusedAndAStaleLockExpires() throws Exception {
        FarmFile.InstanceConfig ic = FarmFile.select(FarmFile.load(base(farmFile(false))), List.of("college-b")).get(0);
        try (TargetDatabase t = TargetDatabase.open("college-b", ic.config().moodle(), MoodleSchemaChecker.coreRequirements());
             InstanceLock held = InstanceLock.acquire(t, 300)) {
            assertNotNull(held);
            List<RunReport> r = sync(farmFile(false), List.of("college-b"), RunOptions.defaults());
            assertEquals(Outcome.LOCKED.label, r.get(0).outcome);
            assertTrue(r.get(0).lockRefused.contains("already being synced"), r.get(0).lockRefused);
            assertThrows(InstanceLock.Refused.class, () -> InstanceLock.acquire(t, 300));
        }
        // a lock left by a crashed process: heartbeat long ago
        try (TargetDatabase t = TargetDatabase.open("college-b", ic.config().moodle(), MoodleSchemaChecker.coreRequirements());
             Connection c = t.connection()) {
            c.createStatement().executeUpdate("INSERT INTO b_entsync_lock (instance, owner, acquired, heartbeat) VALUES ('college-b', 'dead:1', 1, 1)");
            c.commit();
        }
        List<RunReport> r = sync(farmFile(false), List.of("college-b"), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, r.get(0).outcome, () -> String.valueOf(r.get(0).lockRefused));
    }
}
