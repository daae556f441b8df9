package org.entsync.farm;

import org.entsync.generator.GeneratorOptions;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.MoodleSchemaInstaller;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two daemon processes share one Quartz job store on PostgreSQL: every fire of the schedule runs on exactly one of
 * them (no run of the instance is ever refused by its lock, no two runs start for one fire), and when the node
 * that was running the schedule is killed, the other takes it over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuartzClusterTest {
    private Slapd slapd;
    private TestDatabase moodle;
    private TestDatabase quartz;
    private Path work;
    private final List<Process> nodes = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory("entsync-cluster");
        slapd = Slapd.startGenerated(work, new GeneratorOptions(1, 30, 9L, "dc=ent-demo,dc=fr"));
        moodle = TestDatabase.create(Dialect.POSTGRESQL, "cluster_moodle");
        MoodleSchemaInstaller.install(moodle.dataSource(), Dialect.POSTGRESQL, "mdl_");
        quartz = TestDatabase.create(Dialect.POSTGRESQL, "cluster_quartz");
    }

    @AfterAll
    void stop() {
        nodes.forEach(Process::destroyForcibly);
        if (slapd != null) slapd.close();
        if (moodle != null) moodle.close();
        if (quartz != null) quartz.close();
        org.entsync.testsupport.TestWork.delete(work);
    }

    private Process node(String name, Path config) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "org.entsync.cli.EntSync", "daemon", "--config", config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve(name + ".out").toFile());
        pb.directory(new File(System.getProperty("user.dir")));
        Process p = pb.start();
        nodes.add(p);
        return p;
    }

    private List<long[]> runs() throws Exception {
        List<long[]> out = new ArrayList<>();
        try (Connection c = moodle.dataSource().getConnection()) {
            if (!org.entsync.moodle.MoodleSchemaChecker.tableExists(c, "mdl_entsync_run")) return out;
        }
        try (Connection c = moodle.dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT id, timestart, CASE WHEN outcome = 'locked' THEN 1 ELSE 0 END FROM mdl_entsync_run WHERE runtrigger = 'schedule' ORDER BY id")) {
            while (rs.next()) out.add(new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)});
        }
        return out;
    }

    private long runsIn(String node) throws Exception {
        return Files.readAllLines(work.resolve(node + ".out")).stream().filter(l -> l.startsWith("ent-sync college run ")).count();
    }

    private void awaitRuns(int n, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (runs().size() < n) {
            if (System.currentTimeMillis() > end) throw new AssertionError("only " + runs().size() + " scheduled runs after " + millis + " ms");
            Thread.sleep(250);
        }
    }

    @Test
    void eachFireRunsOnceAndASurvivorTakesOver() throws Exception {
        Path farm = work.resolve("farm.yaml");
        Files.writeString(farm, "instances:\n  - name: college\n    jdbcUrl: \"" + moodle.jdbcUrl() + "\"\n    user: " + moodle.user()
                + "\n    password: \"\"\n    prefix: mdl_\n    schedule: \"*/2 * * * * ?\"\n");
        String common = "entsync.ldap.url=" + slapd.url() + "\nentsync.ldap.bindDn=" + slapd.bindDn() + "\nentsync.ldap.password=" + slapd.password()
                + "\nentsync.moodle.createSchema=never\nentsync.farm.file=" + farm + "\nentsync.daemon.httpPort=0\nentsync.lock.expirySeconds=5\n"
                + "entsync.daemon.quartzJdbcUrl=" + quartz.jdbcUrl() + "\nentsync.daemon.quartzUser=" + quartz.user()
                + "\nentsync.daemon.quartzCheckinMs=1500\nentsync.report.dir=" + work.resolve("reports") + "\n";
        for (String n : List.of("a", "b")) {
            Files.writeString(work.resolve(n + ".properties"), common + "entsync.daemon.inbox=" + work.resolve("inbox-" + n) + "\n");
        }
        Process a = node("a", work.resolve("a.properties"));
        Thread.sleep(1500);
        Process b = node("b", work.resolve("b.properties"));
        awaitRuns(6, 60_000);
        List<long[]> before = runs();
        assertTrue(before.stream().noneMatch(r -> r[2] == 1), "no run refused by the instance lock: a fire never ran on both nodes");
        for (int i = 1; i < before.size(); i++) {
            assertTrue(before.get(i)[1] > before.get(i - 1)[1], "one run per fire (2 s apart), not two");
        }
        // a run's row appears when it starts and its summary line when it ends: compare between two runs
        long until = System.currentTimeMillis() + 15_000;
        while (runs().size() != runsIn("a") + runsIn("b") && System.currentTimeMillis() < until) Thread.sleep(100);
        assertEquals(runs().size(), runsIn("a") + runsIn("b"), "every run came from one of the two nodes");
        // kill the node that ran the latest fire; the other one takes over
        String busy = runsIn("b") > 0 && lastRunIn("b") > lastRunIn("a") ? "b" : "a";
        Process victim = busy.equals("a") ? a : b;
        String survivor = busy.equals("a") ? "b" : "a";
        long survivorBefore = runsIn(survivor);
        victim.destroyForcibly().waitFor();
        int total = runs().size();
        awaitRuns(total + 3, 60_000);
        // a run row is written when the run starts, its summary line when it ends: wait for the lines too
        long end = System.currentTimeMillis() + 30_000;
        while (runsIn(survivor) < survivorBefore + 3 && System.currentTimeMillis() < end) Thread.sleep(250);
        assertTrue(runsIn(survivor) >= survivorBefore + 3, "the survivor runs the schedule now");
        assertTrue(runs().stream().skip(total).noneMatch(r -> r[2] == 1));
    }

    private long lastRunIn(String node) throws Exception {
        return Files.readAllLines(work.resolve(node + ".out")).stream().filter(l -> l.startsWith("ent-sync college run "))
                .mapToLong(l -> Long.parseLong(l.split(" ")[3])).max().orElse(0);
    }
}
