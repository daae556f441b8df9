package org.entsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.entsync.moodle.Dialect;
import org.entsync.pipeline.RunOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI smoke test of the benchmark itself (issue 8): the whole bench code path at 1 000 people on PostgreSQL, real
 * slapd. It checks that the table is complete and the runs did what they say; no timing is asserted.
 */
class BenchSmokeTest {

    private static long benchDatabases() throws java.sql.SQLException {
        BenchDatabase.Server s = BenchDatabase.Server.defaults(Dialect.POSTGRESQL);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(s.serverUrl() + "postgres", s.user(), s.password());
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'entsync\\_bench\\_%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The insert floor wrote the first sync's own users and user contexts, not made-up ones. */
    private static void assertFloorWroteTheSyncsValues(String database, Map<String, Long> written) throws java.sql.SQLException {
        BenchDatabase.Server s = BenchDatabase.Server.defaults(Dialect.POSTGRESQL);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(s.serverUrl() + database, s.user(), s.password());
             java.sql.Statement st = c.createStatement()) {
            java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(u.id), COUNT(DISTINCT f.username) FROM fl_user f "
                    + "LEFT JOIN mdl_user u ON u.username = f.username AND u.firstname <> '' AND u.email = f.email "
                    + "WHERE f.username NOT IN ('guest', 'admin')"); // the two the schema's installation put into both
            rs.next();
            assertEquals(written.get("user"), rs.getLong(1), "as many users as the first sync wrote");
            assertEquals(rs.getLong(1), rs.getLong(2), "each with a username and email of the sync's");
            assertEquals(rs.getLong(1), rs.getLong(3), "each once");
            rs = st.executeQuery("SELECT COUNT(*), COUNT(x.id) FROM fl_context f LEFT JOIN mdl_context x ON x.contextlevel = 30 AND x.path = f.path "
                    + "WHERE f.contextlevel = 30 AND f.instanceid NOT IN (SELECT id FROM fl_user WHERE username IN ('guest', 'admin'))");
            rs.next();
            assertEquals(written.get("context(user)"), rs.getLong(1));
            assertEquals(rs.getLong(1), rs.getLong(2), "each a path of the sync's user contexts");
        }
    }

    private static void dropDatabase(String name) throws java.sql.SQLException {
        BenchDatabase.Server s = BenchDatabase.Server.defaults(Dialect.POSTGRESQL);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(s.serverUrl() + "postgres", s.user(), s.password())) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + name);
        }
    }

    @Test
    void benchAt1000PeopleOnPostgresProducesACompleteTable(@TempDir Path work) throws Exception {
        BenchDirectory.requireAvailable();
        Path json = work.resolve("bench.json");
        Bench.Options o = new Bench.Options(1000, 2000, 8L, BenchDatabase.Server.defaults(Dialect.POSTGRESQL), work.resolve("w"), json,
                100, 0.01, Map.of(), true, 2, 2, RunOptions.ALL, Bench.FloorValues.DIRECTORY);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long benchDatabasesBefore = benchDatabases();
        Bench.Result r = new Bench(o, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        String kept = (String) r.setup().get("databaseName");
        try {
            assertEquals(benchDatabasesBefore + 1, benchDatabases(), "the first sync's scratch databases are dropped, the kept one stays");
            assertFloorWroteTheSyncsValues(kept, r.firstSyncRows());
        } finally {
            dropDatabase(kept);
        }
        try (var files = java.nio.file.Files.list(work.resolve("w"))) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("floor-")).toList(), "the floor's row files are deleted");
        }
        Bench.writeJson(r, json);

        List<String> names = r.phases().stream().map(Bench.Phase::name).toList();
        assertEquals(List.of("floor: LDAP paged read", "floor: batched insert", "sync 1: first (full)", "sync 2: no change",
                "sync 3: 1 % changed", "sync 4: --full, no change"), names, log.toString(StandardCharsets.UTF_8));
        for (Bench.Phase p : r.phases()) {
            assertTrue(p.millis() >= 0 && p.entries() > 0 && p.peakHeapMb() > 0, p.toString());
            // CPU accounting: the JVM always, the local PostgreSQL and slapd processes on Linux
            assertTrue(p.cpu().jvm() > 0 && p.cpu().jit() >= 0, p.toString());
            assertTrue(p.cpu().ldap() >= 0 && p.cpu().database() >= 0, p.toString());
            if (p.name().startsWith("sync")) {
                assertEquals("success", p.outcome(), p.toString());
                assertNotNull(p.ratio(), p.toString());
                assertTrue(p.entries() >= 1000, p.toString()); // every person (+ structures) read
            }
        }
        Bench.Phase read = r.phases().get(0);
        assertEquals(1000, read.entries());
        Bench.Phase first = r.phases().get(2);
        Bench.Phase same = r.phases().get(3);
        Bench.Phase changed = r.phases().get(4);
        assertTrue(first.changes() > 1000, "first sync creates users, memberships, assignments: " + first);
        assertEquals(0, same.changes(), "nothing changed: " + same);
        assertTrue(changed.changes() > 0, "1 % changed: " + changed);
        // the insert floor wrote as many rows as the first sync put into the four tables
        Map<String, Long> written = r.firstSyncRows();
        long expected = written.get("user") + written.get("context(user)") + written.get("cohort_members") + written.get("role_assignments");
        assertEquals(expected, r.phases().get(1).rowsWritten());
        assertEquals(written.get("user") + " users, " + written.get("context(user)") + " contexts, " + written.get("cohort_members")
                + " members, " + written.get("role_assignments") + " roles", r.phases().get(1).outcome(), "the floor's outcome names its rows");
        assertTrue(written.get("user") > 800, written.toString());

        String table = Bench.table(r);
        for (String n : names) assertTrue(table.contains(n), table);
        assertTrue(table.contains(Bench.FIRST_SYNC + ", ratios in run order: " + String.format(java.util.Locale.ROOT, "%.2f", r.repeats().get(Bench.FIRST_SYNC).get(0).ratio()) + " (fresh JVM), "), table);
        assertTrue(table.contains("sync 3: 1 % changed, ratios in run order: "), table);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(6, j.get("phases").size());
        assertEquals(2, j.get("repeats").get("sync 2: no change").size(), "each differential run made twice, each with its own floor");
        assertEquals(2, j.get("repeats").get("sync 3: 1 % changed").size());
        // the first sync made twice, each into an empty Moodle, each with the insert floor taken after it
        JsonNode firsts = j.get("repeats").get("sync 1: first (full)");
        assertEquals(2, firsts.size(), "each first sync with its own insert floor");
        for (JsonNode pair : firsts) assertTrue(pair.get("floorMillis").asLong() >= read.millis(), pair.toString());
        assertEquals("read+insert, median", first.floor());
        assertEquals(read.millis() + r.phases().get(1).millis(), Math.round(first.millis() / first.ratio()), 0.02 * first.millis() / first.ratio());
        assertTrue(firsts.findValuesAsText("millis").contains(String.valueOf(first.millis())), "the table shows one of the pairs: " + firsts);
        assertTrue(j.get("phases").get(2).get("cpu").get("database").asLong() > 0, "the first sync made PostgreSQL work");
        assertEquals(1000, j.get("setup").get("people").asInt());
        assertTrue(j.get("setup").get("checkpointBeforeWrites").asBoolean(), "a CHECKPOINT before each phase that writes (the tests run as a superuser)");
        assertEquals("directory", j.get("setup").get("floorValues").asText());
        assertEquals(RunOptions.ALL.size(), j.get("setup").get("entities").size());
    }
}
