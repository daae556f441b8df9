package org.entsync.moodle;

import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Statements that go by chunks, on a real database: IN lists and upserts longer than a chunk. */
class SqlTest {

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void queriesAndUpdatesGoThroughEveryChunk(Dialect dialect) throws Exception {
        try (TestDatabase db = TestDatabase.create(dialect, "inlist");
             Connection c = db.dataSource().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, kind VARCHAR(8) NOT NULL, n BIGINT NOT NULL)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, kind, n) VALUES (?, ?, 0)")) {
                for (long i = 1; i <= 2_600; i++) {
                    Sql.bind(ps, i, i % 2 == 0 ? "even" : "odd");
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<Long> ids = LongStream.rangeClosed(1, 2_500).boxed().toList(); // three chunks
            List<Long> found = new ArrayList<>();
            Sql.queryIn(c, "SELECT id FROM t WHERE kind = ? AND id IN " + Sql.IN_LIST + " ORDER BY id", ids, rs -> found.add(rs.getLong(1)), "even");
            assertEquals(LongStream.rangeClosed(1, 1_250).map(i -> i * 2).boxed().toList(), found);

            assertEquals(1_250, Sql.updateIn(c, "UPDATE t SET n = ? WHERE kind = ? AND id IN " + Sql.IN_LIST, ids, 7L, "odd"));
            assertEquals(1_250, Sql.longValue(c, "SELECT COUNT(*) FROM t WHERE n = 7"));
            assertEquals(0, Sql.updateIn(c, "DELETE FROM t WHERE id IN " + Sql.IN_LIST, List.of()), "no value, no statement");
            assertThrows(IllegalArgumentException.class, () -> Sql.updateIn(c, "DELETE FROM t WHERE id = ?", ids));

            List<Integer> ints = List.of(2, 3, 4);
            List<Long> some = new ArrayList<>();
            Sql.queryIn(c, "SELECT id FROM t WHERE id IN " + Sql.IN_LIST + " ORDER BY id", ints, rs -> some.add(rs.getLong(1)));
            assertEquals(List.of(2L, 3L, 4L), some, "int values of a bigint column");
            List<String> kinds = new ArrayList<>();
            Sql.queryIn(c, "SELECT DISTINCT kind FROM t WHERE kind IN " + Sql.IN_LIST + " ORDER BY kind", List.of("odd", "none", "even"),
                    rs -> kinds.add(rs.getString(1)));
            assertEquals(List.of("even", "odd"), kinds, "texts");
            List<Long> others = new ArrayList<>();
            Sql.queryIn(c, "SELECT id FROM t WHERE id > ? AND id NOT IN " + Sql.IN_LIST + " ORDER BY id", List.of(2_598L, 2_599L),
                    rs -> others.add(rs.getLong(1)), 2_596L);
            assertEquals(List.of(2_597L, 2_600L), others, "NOT IN");
        }
    }

    /**
     * On PostgreSQL an IN list goes as one array, "= ANY(?)": the same statement for every chunk, which the server
     * prepares once the driver has run it a few times (its prepareThreshold); a list of markers would be seen here
     * as "IN ($1, $2, ...)".
     */
    @Test
    void postgresTakesAnInListAsOneArray() throws Exception {
        try (TestDatabase db = TestDatabase.create(Dialect.POSTGRESQL, "inarray");
             Connection c = db.dataSource().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, k VARCHAR(20) COLLATE \"C\" NOT NULL)");
                st.execute("INSERT INTO t SELECT i, 'k' || i FROM generate_series(1, 7000) i");
            }
            List<String> keys = LongStream.rangeClosed(1, 7_000).mapToObj(i -> "k" + i).toList(); // seven chunks
            long[] sum = {0};
            Sql.queryIn(c, "SELECT id FROM t WHERE k IN " + Sql.IN_LIST, keys, rs -> sum[0] += rs.getLong(1));
            assertEquals(7_000L * 7_001 / 2, sum[0]);
            List<String> prepared = new ArrayList<>();
            try (Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT statement FROM pg_prepared_statements")) {
                while (rs.next()) prepared.add(rs.getString(1));
            }
            assertTrue(prepared.contains("SELECT id FROM t WHERE k = ANY($1)"), prepared.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void upsertsInsertNewRowsAndUpdateTheOthers(Dialect dialect) throws Exception {
        try (TestDatabase db = TestDatabase.create(dialect, "upsert");
             Connection c = db.dataSource().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE mdl_kv (k1 VARCHAR(8) NOT NULL, k2 BIGINT NOT NULL, v VARCHAR(16) NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (k1, k2))");
            }
            Sql sql = new Sql(dialect, "mdl_");
            List<String> keys = List.of("k1", "k2");
            List<String> values = List.of("v", "n");
            List<Object[]> first = new ArrayList<>();
            for (long i = 0; i < 450; i++) first.add(new Object[]{"a", i, "v" + i, i}); // three MariaDB statements
            sql.upsert(c, "kv", keys, values, first);
            List<Object[]> second = new ArrayList<>();
            for (long i = 300; i < 600; i++) second.add(new Object[]{"a", i, "w" + i, -i});
            sql.upsert(c, "kv", keys, values, second);
            assertEquals(600, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_kv"));
            assertEquals(300, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_kv WHERE v LIKE 'v%' AND n >= 0 AND k2 < 300"));
            assertEquals(300, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_kv WHERE v LIKE 'w%' AND n = -k2"));
            assertEquals("w449", Sql.stringValue(c, "SELECT v FROM mdl_kv WHERE k1 = ? AND k2 = ?", "a", 449L));
        }
    }

    /** Updates by id set exactly the rows named, each with its own values, and the constant column on all of them. */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void updatesByIdSetEachRowItsOwnValues(Dialect dialect) throws Exception {
        try (TestDatabase db = TestDatabase.create(dialect, "updbyid");
             Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE mdl_people (id BIGINT NOT NULL PRIMARY KEY, firstname VARCHAR(100), city VARCHAR(120) NOT NULL, timemodified BIGINT NOT NULL)");
            }
            Sql sql = new Sql(dialect, "mdl_");
            List<Object[]> rows = new ArrayList<>();
            for (long i = 1; i <= 1_500; i++) rows.add(new Object[]{i, "f" + i, "c" + i, 0L});
            sql.insert(c, "people", List.of("id", "firstname", "city", "timemodified"), rows);
            java.util.Map<Long, String[]> values = new java.util.LinkedHashMap<>();
            for (long i = 2; i <= 1_200; i += 2) values.put(i, new String[]{"Ann-" + i, "Saint-Brieuc d'Armor " + i});
            values.put(7L, new String[]{null, "Brest"});
            values.put(9_999L, new String[]{"nobody", "nowhere"}); // no such row: nothing happens
            sql.updateById(c, "people", List.of("firstname", "city"), values, "timemodified", 42L);
            c.commit();
            assertEquals(601, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_people WHERE timemodified = 42"));
            assertEquals(600, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_people WHERE firstname = CONCAT('Ann-', id) AND city = CONCAT('Saint-Brieuc d''Armor ', id)"));
            assertEquals(1, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_people WHERE id = 7 AND firstname IS NULL AND city = 'Brest'"));
            assertEquals(899, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_people WHERE timemodified = 0 AND firstname = CONCAT('f', id) AND city = CONCAT('c', id)"));
            assertEquals(1_500, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_people"));
        }
    }

    /**
     * ent-sync's bookkeeping commits skip the WAL flush wait on PostgreSQL, for their own transaction only: a deferred
     * trigger, which runs inside the commit, records the setting each commit ran with, and the pooled session keeps
     * durable commits for whatever it is used for next.
     */
    @Test
    void bookkeepingCommitsSkipTheFlushWaitForTheirTransactionOnly() throws Exception {
        try (TestDatabase db = TestDatabase.create(Dialect.POSTGRESQL, "bookkeeping");
             Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE mdl_bk (n INT NOT NULL)");
                st.execute("CREATE TABLE mdl_bk_commits (id SERIAL PRIMARY KEY, n INT NOT NULL, setting TEXT NOT NULL)");
                st.execute("CREATE FUNCTION mdl_bk_commits() RETURNS trigger AS $$ BEGIN "
                        + "INSERT INTO mdl_bk_commits (n, setting) VALUES (NEW.n, current_setting('synchronous_commit')); RETURN NULL; END $$ LANGUAGE plpgsql");
                st.execute("CREATE CONSTRAINT TRIGGER mdl_bk_commits AFTER INSERT ON mdl_bk DEFERRABLE INITIALLY DEFERRED "
                        + "FOR EACH ROW EXECUTE FUNCTION mdl_bk_commits()");
            }
            c.commit();
            Sql sql = new Sql(Dialect.POSTGRESQL, "mdl_");
            Sql.update(c, "INSERT INTO mdl_bk (n) VALUES (1)");
            sql.commitBookkeeping(c);
            Sql.update(c, "INSERT INTO mdl_bk (n) VALUES (2)");
            c.commit();
            assertEquals("on", Sql.stringValue(c, "SHOW synchronous_commit"), "the session keeps durable commits");
            c.rollback();
            try (Connection other = db.dataSource().getConnection()) {
                List<String> commits = new ArrayList<>();
                try (Statement st = other.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT n, setting FROM mdl_bk_commits ORDER BY id")) {
                    while (rs.next()) commits.add(rs.getInt(1) + ":" + rs.getString(2));
                }
                assertEquals(List.of("1:off", "2:on"), commits, "each row committed, the bookkeeping one without the flush wait");
            }
        }
    }

    /** Values COPY's text format must escape, and rows past one COPY chunk, come back exactly as given. */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void insertsStoreEveryValueExactly(Dialect dialect) throws Exception {
        try (TestDatabase db = TestDatabase.create(dialect, "insert");
             Connection c = db.dataSource().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE mdl_rows (id BIGINT NOT NULL PRIMARY KEY, n INT NOT NULL, v VARCHAR(200)"
                        + (dialect == Dialect.MARIADB ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "") + ")");
            }
            c.setAutoCommit(false);
            List<String> tricky = List.of("tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "end\\", "Zoe\u0301 😀 سلمى",
                    "BEL\u0007 DEL\u007f C1\u0085", "'quotes\" and ;", "", "é\t\\ mixed after non-ASCII\n");
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < tricky.size(); i++) rows.add(new Object[]{(long) i, i, tricky.get(i)});
            rows.add(new Object[]{100L, -5, null});
            rows.add(new Object[]{Long.MAX_VALUE, Integer.MIN_VALUE, "extremes"});
            rows.add(new Object[]{200L, 0, "zeros"});
            for (long i = 1_000; i < 4_000; i++) rows.add(new Object[]{i, (int) i, "row " + i + " ".repeat(20)}); // past one 64 KiB COPY chunk
            Sql sql = new Sql(dialect, "mdl_");
            sql.insert(c, "rows", List.of("id", "n", "v"), rows);
            c.commit();
            for (int i = 0; i < tricky.size(); i++) {
                assertEquals(tricky.get(i), Sql.stringValue(c, "SELECT v FROM mdl_rows WHERE id = ?", (long) i), "value " + i);
            }
            assertEquals(null, Sql.stringValue(c, "SELECT v FROM mdl_rows WHERE id = 100"));
            assertEquals(-5, Sql.longValue(c, "SELECT n FROM mdl_rows WHERE id = 100"));
            assertEquals(Integer.MIN_VALUE, Sql.longValue(c, "SELECT n FROM mdl_rows WHERE id = ?", Long.MAX_VALUE));
            assertEquals("zeros", Sql.stringValue(c, "SELECT v FROM mdl_rows WHERE id = 200 AND n = 0"));
            assertEquals(3_000, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_rows WHERE id >= 1000 AND n = id"));
            // a refused row fails the statement, and the connection stays usable for the transaction's rollback
            assertThrows(java.sql.SQLException.class, () -> sql.insert(c, "rows", List.of("id", "n", "v"), List.<Object[]>of(new Object[]{5000L, 1, "x"}, new Object[]{1L, 1, "dup"})));
            c.rollback();
            assertEquals(tricky.size() + 3 + 3_000, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_rows"));
        }
    }

    /**
     * A real InnoDB deadlock: a heavier transaction holds row 2 and waits for row 1, which the work holds while it
     * asks for row 2. InnoDB rolls back the lighter one, the work, which is then run again and succeeds.
     */
    @Test
    void aDeadlockVictimIsRunAgain() throws Exception {
        try (TestDatabase db = TestDatabase.create(Dialect.MARIADB, "deadlock")) {
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB");
                st.execute("INSERT INTO t (id, n) VALUES (1, 0), (2, 0)");
                st.execute("CREATE TABLE heavy (id BIGINT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB");
                st.execute("INSERT INTO heavy (id, n) SELECT seq, 0 FROM seq_1_to_200");
            }
            java.util.concurrent.CountDownLatch workHoldsRow1 = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch otherHoldsRow2 = new java.util.concurrent.CountDownLatch(1);
            Thread other = new Thread(() -> {
                try (Connection o = db.dataSource().getConnection()) {
                    o.setAutoCommit(false);
                    Sql.update(o, "UPDATE heavy SET n = n + 1"); // many rows changed: InnoDB keeps this one
                    Sql.update(o, "UPDATE t SET n = n + 10 WHERE id = 2");
                    otherHoldsRow2.countDown();
                    workHoldsRow1.await();
                    Sql.update(o, "UPDATE t SET n = n + 10 WHERE id = 1");
                    o.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            other.start();
            otherHoldsRow2.await();
            int[] attempts = {0};
            Sql.retryOnDeadlock("test", () -> {
                attempts[0]++;
                try (Connection w = db.dataSource().getConnection()) {
                    w.setAutoCommit(false);
                    Sql.update(w, "UPDATE t SET n = n + 1 WHERE id = 1");
                    if (attempts[0] == 1) {
                        workHoldsRow1.countDown();
                        Thread.sleep(200); // the other transaction now waits for row 1
                    }
                    Sql.update(w, "UPDATE t SET n = n + 1 WHERE id = 2");
                    w.commit();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            other.join();
            assertEquals(2, attempts[0], "the victim was run again once");
            try (Connection c = db.dataSource().getConnection()) {
                assertEquals(22, Sql.longValue(c, "SELECT SUM(n) FROM t"), "both transactions' changes, once each");
            }
        }
    }

    @Test
    void deadlocksAreToldApartFromOtherErrors() {
        assertTrue(Sql.isDeadlock(new java.sql.SQLException("Deadlock found", "40001", 1213)));
        assertTrue(Sql.isDeadlock(new java.sql.SQLException("deadlock detected", "40P01")));
        assertTrue(Sql.isDeadlock(new java.sql.SQLException("wrapped", "HY000", new java.sql.SQLException("Deadlock found", "HY000", 1213))));
        assertFalse(Sql.isDeadlock(new java.sql.SQLException("Lock wait timeout exceeded", "HY000", 1205)), "someone else holds the row");
        assertFalse(Sql.isDeadlock(new java.sql.SQLException("Duplicate entry", "23000", 1062)));
    }
}
