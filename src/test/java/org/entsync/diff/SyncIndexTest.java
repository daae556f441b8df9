package org.entsync.diff;

import org.entsync.moodle.Dialect;
import org.entsync.moodle.Sql;
import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The removal candidates and counts of the index, on each database: what a run saw, wrote or left behind. */
class SyncIndexTest {

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void unseenAndActiveCountsFollowTheRunsWrites(Dialect dialect) throws Exception {
        withIndex(dialect, "index", (c, index) -> {
            index.upsert(c, "users", rows("a", "b", "c", "d"), 1, 100);
            index.upsert(c, "roles", rows("x", "y"), 1, 100);
            index.upsert(c, "cohorts", rows("k"), 1, 100);
            c.commit();

            SyncIndex run2 = index(dialect, "school");
            run2.loadActiveCounts(c, 2);
            run2.rememberSeen("users", List.of("a", "b"), 2);
            run2.upsert(c, "users", rows("c"), 2, 200);
            run2.rememberSeen("roles", List.of("x"), 2);
            run2.rememberSeen("cohorts", List.of("k"), 2);

            assertEquals(List.of("d"), keys(run2.unseen(c, "users", 2)), "neither remembered nor written in run 2");
            assertEquals(4, run2.countActive(c, "users", 2));
            assertEquals(List.of("y"), keys(run2.unseen(c, "roles", 2)), "an entity run 2 never wrote");
            assertEquals(2, run2.countActive(c, "roles", 2));
            assertEquals(List.of(), keys(run2.unseen(c, "cohorts", 2)), "everyone seen");

            // written after the counts were taken: counted again
            run2.setState(c, "users", List.of("d"), IndexRow.SUSPENDED, 200);
            assertEquals(3, run2.countActive(c, "users", 2));
            assertEquals(List.of(), keys(run2.unseen(c, "users", 2)));
            run2.delete(c, "roles", List.of("y"));
            assertEquals(1, run2.countActive(c, "roles", 2));
            assertEquals(List.of(), keys(run2.unseen(c, "roles", 2)));

            // a run that remembered nothing: every active row it did not write is a candidate
            SyncIndex run3 = index(dialect, "school");
            run3.upsert(c, "users", rows("a"), 3, 300);
            assertEquals(List.of("b", "c"), keys(run3.unseen(c, "users", 3)));
            assertEquals(List.of("k"), keys(run3.unseen(c, "cohorts", 3)));
            assertEquals(1, run3.countActive(c, "cohorts", 3));
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void candidatesAmongTheKeysOfPeopleWhoLeftAreAllOnlyWhenTheCountAgrees(Dialect dialect) throws Exception {
        withIndex(dialect, "among", (c, index) -> {
            index.upsert(c, "users", rows("a", "b", "c", "d", "e"), 1, 100);
            c.commit();

            SyncIndex run2 = index(dialect, "school");
            run2.loadActiveCounts(c, 2);
            run2.rememberSeen("users", List.of("a"), 2);
            run2.upsert(c, "users", rows("b"), 2, 200);
            // c and d left: their rows are all the candidates there are, read without a scan; "z" has no row
            run2.setState(c, "users", List.of("e"), IndexRow.SUSPENDED, 200);
            assertEquals(List.of("c", "d"), keys(run2.unseenAmong(c, "users", 2, List.of("c", "d", "z", "a"))));
            // only c is known to have left, but d is unseen too: the count disagrees and the keys are scanned
            assertEquals(List.of("c", "d"), keys(run2.unseenAmong(c, "users", 2, List.of("c"))));
            assertEquals(List.of("c", "d"), keys(run2.unseenAmong(c, "users", 2, List.of())));
            // the rows of the keys named, and no others: a remembered, b written in this run, e suspended, z none
            assertEquals(List.of("c"), keys(run2.unseenOf(c, "users", 2, List.of("c", "a", "b", "e", "z"))));
            assertEquals(List.of(), keys(run2.unseenOf(c, "users", 2, List.of())));
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void theUsersCountsFollowTheSinksCommitsWithoutAScan(Dialect dialect) throws Exception {
        withIndex(dialect, "tally", (c, index) -> {
            index.upsert(c, "users", rows("a", "b", "c", "d", "e"), 1, 100);
            index.setState(c, "users", List.of("e"), IndexRow.SUSPENDED, 100);
            c.commit();

            SyncIndex run2 = index(dialect, "school");
            run2.loadActiveCounts(c, 2); // before the run wrote any users row: a, b, c, d
            java.util.Map<String, IndexRow> before = run2.probe(c, "users", List.of("b", "e", "f"));
            // as the users' sink writes a batch: b changed, e comes back, f is new
            IndexWrites batch = new IndexWrites(2);
            batch.present.add(new IndexRow("b", "h2-b", 2, IndexRow.ACTIVE, 2));
            batch.present.add(new IndexRow("e", "h2-e", 5, IndexRow.ACTIVE, 2));
            batch.absent.add(new IndexRow("f", "h2-f", 6, IndexRow.ACTIVE, 2));
            run2.write(c, "users", batch, 200);
            c.commit();
            run2.committedUsers(List.of(new IndexRow("b", "h2-b", 2, IndexRow.ACTIVE, 2), new IndexRow("e", "h2-e", 5, IndexRow.ACTIVE, 2),
                    new IndexRow("f", "h2-f", 6, IndexRow.ACTIVE, 2)), java.util.Arrays.asList(before.get("b"), before.get("e"), null), java.util.Set.of(6L), 2);
            run2.rememberSeen("users", List.of("a"), 2);
            long inTable = Sql.longValue(c, "SELECT COUNT(*) FROM mdl_entsync_index WHERE instance = 'school' AND entity = 'users' AND state = 'active'");

            // a row no write of this run made: the tally does not know it (only the instance's own run writes its
            // rows), which shows that the tally answered, not a scan
            insertBehindTheIndex(c, "school", "users", "z");
            assertEquals(List.of("c", "d"), keys(run2.unseenAmong(c, "users", 2, List.of("c", "d"))), "c and d left: all there are, by the tally");
            assertEquals(inTable, run2.countActive(c, "users", 2), "a, b, c, d, e, f: as the run's writes left the table");
            // a write that reports no commit: the rows are counted again, and the keys scanned
            run2.setState(c, "users", List.of("a"), IndexRow.ACTIVE, 200);
            assertEquals(List.of("c", "d", "z"), keys(run2.unseenAmong(c, "users", 2, List.of("c", "d"))));
            assertEquals(7, run2.countActive(c, "users", 2));
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void peopleAreInsertedInAFirstSyncAndUpsertedAfter(Dialect dialect) throws Exception {
        withIndex(dialect, "once", (c, first) -> {
            first.findFresh(c, List.of("people"));
            assertTrue(first.fresh("people"));
            first.writeOncePerRun(c, "people", rows("uid=a", "uid=b"), 1, 100);
            assertEquals(List.of(), keys(List.copyOf(first.probe(c, "people", List.of("uid=a")).values())),
                    "fresh: no key of the run is asked for (each is written once)");
            c.commit();

            SyncIndex second = index(dialect, "school");
            second.findFresh(c, List.of("people"));
            assertFalse(second.fresh("people"));
            second.writeOncePerRun(c, "people", List.of(new IndexRow("uid=a", "fp2|a", 0, IndexRow.ACTIVE, 2)), 2, 200);
            assertEquals("fp2|a", second.probe(c, "people", List.of("uid=a")).get("uid=a").hash(), "an existing person is updated");
            assertEquals(List.of("uid=a", "uid=b"), keys(List.copyOf(second.probe(c, "people", List.of("uid=a", "uid=b")).values())));
            assertThrows(IllegalArgumentException.class, () -> second.writeOncePerRun(c, "users", rows("x"), 2, 200));
        });
    }

    /** The rows of changed people are deleted unless they hold the new fingerprint; nobody else's row is touched. */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void onlyTheRowsHoldingAnotherFingerprintAreDeleted(Dialect dialect) throws Exception {
        withIndex(dialect, "forget", (c, index) -> {
            index.upsert(c, "people", List.of(new IndexRow("uid=a", "fpA|a", 0, IndexRow.ACTIVE, 1), new IndexRow("uid=b", "fpB|b", 0, IndexRow.ACTIVE, 1),
                    new IndexRow("uid=c", "fpC|c", 0, IndexRow.ACTIVE, 1), new IndexRow("uid=d", "fpD|d", 0, IndexRow.ACTIVE, 1)), 1, 100);
            index.upsert(c, "users", List.of(new IndexRow("uid=a", "hash", 7, IndexRow.ACTIVE, 1)), 1, 100);
            insertBehindTheIndex(c, "other", "people", "uid=a");
            Map<String, String> prefixes = new java.util.LinkedHashMap<>();
            prefixes.put("uid=a", "fpX|"); // changed
            prefixes.put("uid=b", "fpB|"); // the fingerprint it holds
            prefixes.put("uid=c", "fpY|"); // changed
            prefixes.put("uid=new", "fpN|"); // no row yet
            index.deleteUnlessPrefixed(c, "people", prefixes);
            assertEquals(List.of("uid=b", "uid=d"), keys(List.copyOf(index.probe(c, "people", List.of("uid=a", "uid=b", "uid=c", "uid=d", "uid=new")).values())));
            assertEquals(1, index.probe(c, "users", List.of("uid=a")).size(), "another entity's row of the same key stays");
            assertEquals(1, Sql.longValue(c, "SELECT COUNT(*) FROM mdl_entsync_index WHERE instance = 'other'"), "another instance's row stays");
            assertThrows(IllegalArgumentException.class, () -> index.deleteUnlessPrefixed(c, "people", Map.of("uid=b", "fpB|", "uid=d", "fp|")));
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void aFreshEntityIsProbedForTheKeysTheRunWroteOnly(Dialect dialect) throws Exception {
        withIndex(dialect, "fresh", (c, before) -> {
            before.upsert(c, "users", rows("a"), 1, 100);
            before.upsert(c, "users-elsewhere", rows("a"), 1, 100);
            c.commit();

            SyncIndex run = index(dialect, "other-school");
            run.findFresh(c, List.of("users", "roles"));
            assertTrue(run.fresh("users"), "rows of another instance do not count");
            run.upsert(c, "roles", rows("d"), 2, 200); // the same key written for another entity
            run.upsert(c, "users", rows("b"), 2, 200);
            IndexWrites inserted = new IndexWrites(2);
            inserted.absent.add(new IndexRow("c", "h-c", 3, IndexRow.ACTIVE, 0));
            run.write(c, "users", inserted, 200);
            // a row the run did not write through the index: a fresh entity cannot have it, so it is not asked for
            insertBehindTheIndex(c, "other-school", "users", "d");
            assertEquals(List.of("b", "c"), keys(List.copyOf(run.probe(c, "users", List.of("b", "c", "d", "e")).values())));
            assertEquals(List.of(), keys(run.unseen(c, "users", 2)), "a fresh entity holds only rows this run wrote: no removal to look for");

            SyncIndex next = index(dialect, "other-school");
            next.findFresh(c, List.of("users", "groups"));
            assertFalse(next.fresh("users"), "written since");
            assertTrue(next.fresh("groups"));
            assertEquals(List.of("b", "c", "d"), keys(List.copyOf(next.probe(c, "users", List.of("b", "c", "d", "e")).values())));
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void anEarlierVersionsMembershipRowsBecomeOneRowPerUser(Dialect dialect) throws Exception {
        withIndex(dialect, "owned", (c, index) -> {
            // the table as earlier versions made it, with rows of two instances; and a conversion cut short (MariaDB
            // commits each DDL statement): a row already in the new table is not doubled
            Sql.update(c, "CREATE TABLE mdl_entsync_member (instance VARCHAR(64) NOT NULL, cohortid BIGINT NOT NULL, userid BIGINT NOT NULL, "
                    + "PRIMARY KEY (instance, userid, cohortid))");
            for (Object[] r : new Object[][]{{"school", 12, 7}, {"school", 3, 7}, {"school", 12, 8}, {"other", 12, 7}, {"school", 5, 25_000}}) {
                Sql.update(c, "INSERT INTO mdl_entsync_member (instance, cohortid, userid) VALUES (?, ?, ?)", r);
            }
            Sql.update(c, "INSERT INTO mdl_entsync_usercohorts (instance, userid, cohortids) VALUES ('school', 7, ',3,12,')");
            c.commit();
            index.ensureTables(c);
            List<String> rows = new java.util.ArrayList<>();
            try (java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT instance, userid, cohortids FROM mdl_entsync_usercohorts ORDER BY instance, userid")) {
                while (rs.next()) rows.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3));
            }
            assertEquals(List.of("other 7 ,12,", "school 7 ,3,12,", "school 8 ,12,", "school 25000 ,5,"), rows, "read by ranges of user ids");
            assertFalse(Sql.longValue(c, "SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) = 'mdl_entsync_member'") > 0, "dropped");
        });
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void keysCompareByteForByte(Dialect dialect) throws Exception {
        withIndex(dialect, "exact", (c, index) -> {
            // (not trailing spaces: MariaDB's utf8mb4_bin pads, "a" and "a " are one key there)
            List<String> keys = List.of("uid=élève", "uid=eleve", "uid=ELEVE");
            index.upsert(c, "people", rows(keys.toArray(new String[0])), 1, 100);
            assertEquals(keys.stream().sorted().toList(), keys(List.copyOf(index.probe(c, "people", keys).values())), "three keys, none folded into another");
            if (dialect == Dialect.POSTGRESQL) {
                // compared as bytes, not through the database's locale (SyncIndex.postgresC)
                for (String[] column : new String[][]{{"mdl_entsync_index", "instance"}, {"mdl_entsync_index", "entity"}, {"mdl_entsync_index", "ekey"},
                        {"mdl_entsync_usercohorts", "instance"}, {"mdl_entsync_classkey", "ckey"}, {"mdl_entsync_enrol", "instance"}}) {
                    assertEquals("C", Sql.stringValue(c, "SELECT collation_name FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                            column[0], column[1]), String.join(".", column));
                }
            }
        });
    }

    private interface IndexBody {
        void run(Connection c, SyncIndex index) throws Exception;
    }

    /** A fresh database of this dialect, the index's tables created by instance "school", the body run and rolled back. */
    private static void withIndex(Dialect dialect, String name, IndexBody body) throws Exception {
        try (TestDatabase db = TestDatabase.create(dialect, name);
             Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            SyncIndex index = index(dialect, "school");
            index.ensureTables(c);
            body.run(c, index);
            c.rollback();
        }
    }

    /** The index of one instance, with Moodle's default table prefix. */
    private static SyncIndex index(Dialect dialect, String instance) {
        return new SyncIndex(new Sql(dialect, "mdl_"), instance);
    }

    private static void insertBehindTheIndex(Connection c, String instance, String entity, String key) throws Exception {
        Sql.update(c, "INSERT INTO mdl_entsync_index (instance, entity, ekey, hash, moodleid, state, lastseen, timemodified) "
                + "VALUES (?, ?, ?, 'h', 1, ?, 1, 1)", instance, entity, key, IndexRow.ACTIVE);
    }

    @org.junit.jupiter.api.Test
    void theRunsNewAccountsGoUnreadUntilAnotherKeyAdoptsThem() {
        SyncIndex index = index(Dialect.H2, "school");
        index.committedUsers(List.of(new IndexRow("a", "h", 10, IndexRow.ACTIVE, 5), new IndexRow("b", "h", 11, IndexRow.ACTIVE, 5)), java.util.Arrays.asList(null, null), java.util.Set.of(10L), 5);
        assertEquals(List.of(11L, 12L), index.notCreatedInRun(List.of(10L, 11L, 12L), 5), "10 was created by this run");
        assertEquals(List.of(10L, 11L), index.notCreatedInRun(List.of(10L, 11L), 6), "another run");
        index.committedUsers(List.of(new IndexRow("c", "h", 10, IndexRow.ACTIVE, 5)), java.util.Collections.singletonList(null), java.util.Set.of(), 5);
        assertEquals(List.of(10L), index.notCreatedInRun(List.of(10L), 5), "adopted by another key: no longer new");
        index.committedUsers(List.of(new IndexRow("d", "h", 20, IndexRow.ACTIVE, 6)), java.util.Collections.singletonList(null), java.util.Set.of(20L), 6);
        assertEquals(List.of(20L), index.notCreatedInRun(List.of(20L), 5), "the next run forgets the last one's");
    }

    private static List<IndexRow> rows(String... keys) {
        return java.util.Arrays.stream(keys).map(k -> new IndexRow(k, "h-" + k, k.charAt(0), IndexRow.ACTIVE, 0)).toList();
    }

    private static List<String> keys(List<IndexRow> rows) {
        return rows.stream().map(IndexRow::key).sorted().toList();
    }
}
