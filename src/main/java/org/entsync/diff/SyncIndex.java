package org.entsync.diff;

import org.entsync.moodle.Dialect;
import org.entsync.moodle.Sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The differential index: one row per synced entry and entity type in {@code <prefix>entsync_index}, holding the
 * hash of its mapped content and its Moodle id. It lives in the Moodle database and is written in the same
 * transaction as the Moodle rows it describes, so a crash can never leave the two disagreeing.
 */
public final class SyncIndex {
    public static final String TABLE = "entsync_index";
    private final Sql sql;
    private final String instance;

    /** Keys seen unchanged in the current run, by entity: in memory, not written (see {@link #rememberSeen}). */
    private final Map<String, SeenKeys> seenInRun = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long seenRunId = -1;

    /**
     * Active rows per entity when the run started, and the entities this run has written rows of since: an entity
     * nobody wrote still has exactly that many active rows, none of them seen in this run by a write, so
     * {@link #unseen} needs no count query when the run remembered as many keys unchanged.
     */
    private volatile Map<String, Long> activeAtStart = Map.of();
    private volatile long countsRunId = -1;

    /** Index writes per entity so far: which entities this run wrote, and whether a count or scan read before still holds. */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> writes = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Per entity counted in this run: its active rows and those of them no write of this run touched
     * (lastseen &lt; run), with the entity's {@link #writeCount} just before the count (a write since then makes it
     * count again); see {@link #removalCounts}, whose lock guards it.
     */
    private final Map<String, Counted> removalCounts = new HashMap<>();

    private record Counted(long runId, long writes, long[] counts) {
    }

    /**
     * Entities with no row of this instance when the run began (a first sync), each with the keys this run has
     * written of it since: a probe of such an entity asks the database only for those keys, since no other can have
     * a row (a first sync of 100 000 people sent ~800 probes of 1 000 keys that all came back empty). A 64-bit hash
     * that collides only costs a probe; 16 to 32 bytes a key (~16 MB per entity at a million people, in a first
     * sync, which holds no people fingerprints). People (keyed by DN) are left out: they are probed only until their
     * fingerprints are loaded.
     */
    private volatile Map<String, SeenKeys> fresh = Map.of();

    /** The users' active rows at the start of the run and how its writes moved them (see {@link #counts}). */
    private final UsersTally usersTally = new UsersTally();

    public SyncIndex(Sql sql, String instance) {
        this.sql = sql;
        this.instance = instance;
    }

    private SeenKeys seenKeys(String entity, long runId) {
        synchronized (seenInRun) {
            seenRun(runId);
            return seenInRun.computeIfAbsent(entity, e -> new SeenKeys(expectedSeen));
        }
    }

    /** The seen sets belong to one run: another run's are dropped (callers hold the lock of {@link #seenInRun}). */
    private void seenRun(long runId) {
        if (seenRunId == runId) return;
        seenInRun.clear();
        seenRunId = runId;
        expectedSeen = 0;
    }

    private int expectedSeen;

    /**
     * About how many keys per entity this run will remember as seen (the people it knows): the sets are sized
     * once instead of doubling eight times on the way to 100 000 keys.
     */
    public void expectSeen(int keys, long runId) {
        synchronized (seenInRun) {
            seenRun(runId);
            expectedSeen = keys;
            seenInRun.values().forEach(s -> s.expect(keys));
        }
    }

    /**
     * Records in memory that these entries were seen in this run, unchanged (or failed), instead of an UPDATE of
     * {@code lastseen} on every unchanged row: a no-change run then writes nothing at all. {@link #unseen} leaves
     * them out of the removal candidates.
     */
    public void rememberSeen(String entity, Collection<String> keys, long runId) {
        SeenKeys s = seenKeys(entity, runId);
        for (String k : keys) s.add(k);
    }

    /** As {@link #rememberSeen}, by key hashes ({@link SeenKeys#hash}) computed beforehand. */
    public void rememberSeenHashes(String entity, long[] hashes, int n, long runId) {
        SeenKeys s = seenKeys(entity, runId);
        for (int i = 0; i < n; i++) s.addHash(hashes[i]);
    }

    /** The active rows of an entity whose values are "fingerprint|record key" (people), loaded in one streamed query. */
    public KnownPeople knownPeople(Connection c, String entity) throws SQLException {
        KnownPeople known = new KnownPeople();
        // moodleid of a people row: the hash of the entry's change marker (KnownPeople.marker), 0 if none
        try (PreparedStatement ps = c.prepareStatement("SELECT ekey, hash, moodleid FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND state = ?")) {
            Sql.bind(ps, instance, entity, IndexRow.ACTIVE);
            ps.setFetchSize(5000);
            try (ResultSet rs = ps.executeQuery()) {
                while (addPeople(rs, known)) {
                    // rows by blocks: see addPeople
                }
            }
        }
        return known;
    }

    /**
     * Adds up to 256 rows to the people; false once the rows are all read. This loop is called once per run:
     * without on-stack replacement (the launcher's setting) its 100 000 turns would run in the interpreter; a
     * helper called by blocks is compiled.
     */
    private static boolean addPeople(ResultSet rs, KnownPeople known) throws SQLException {
        for (int n = 0; n < 256; n++) {
            if (!rs.next()) return false;
            known.add(rs.getString(1), rs.getString(2), rs.getLong(3));
        }
        return true;
    }

    /** As {@link #rememberSeen}, for entries that failed: they may have no row, or one in any state. */
    public void rememberFailed(String entity, Collection<String> keys, long runId) {
        if (keys.isEmpty()) return;
        SeenKeys s = seenKeys(entity, runId);
        s.markOthers();
        for (String k : keys) s.add(k);
    }

    /** Whether this run remembered the key as seen (in memory only). */
    public boolean remembered(String entity, String key, long runId) {
        return seenRunId == runId && seenKeys(entity, runId).contains(key);
    }

    /** Whether this run already saw the key (in memory, or lastseen = run id in the row). */
    public boolean seenInRun(String entity, IndexRow row, long runId) {
        return row.lastSeen() == runId || (seenRunId == runId && seenKeys(entity, runId).contains(row.key()));
    }

    /**
     * Counts the active rows of every entity (one query), for {@link #unseen} in this run. Exact for every entity
     * this run never writes, whenever it runs: writes mark their entity before they commit. Counted before the run
     * wrote any users row (as when it runs beside the fingerprints' load, which the first write of users waits
     * for), the users' count starts their {@link UsersTally}.
     */
    public void loadActiveCounts(Connection c, long runId) throws SQLException {
        Map<String, Long> counts = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT entity, COUNT(*) FROM " + sql.t(TABLE) + " WHERE instance = ? AND state = ? GROUP BY entity")) {
            Sql.bind(ps, instance, IndexRow.ACTIVE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        usersTally.start(runId, counts.getOrDefault(USERS, 0L), () -> writeCount(USERS) == 0);
        activeAtStart = counts;
        countsRunId = runId;
    }

    /**
     * Notes which of these entities have no row of this instance yet (one primary-key lookup each), before the run
     * writes any: their probes then skip the keys the run has not written (see {@link #fresh}).
     */
    public void findFresh(Connection c, Collection<String> entities) throws SQLException {
        Map<String, SeenKeys> found = new HashMap<>();
        // LIMIT, not setMaxRows: PostgreSQL planned a bitmap scan of all the entity's rows (~5 ms each at 100 000)
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? LIMIT 1")) {
            for (String e : entities) {
                Sql.bind(ps, instance, e);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) found.put(e, new SeenKeys());
                }
            }
        }
        fresh = Map.copyOf(found);
    }

    /** Whether the entity had no row when the run began ({@link #findFresh}). */
    public boolean fresh(String entity) {
        return fresh.containsKey(entity);
    }

    /** Those of these keys that may have a row of the entity: for a fresh one, the keys this run wrote. */
    private Collection<String> mayHaveRow(String entity, Collection<String> keys) {
        SeenKeys written = fresh.get(entity);
        if (written == null) return keys;
        List<String> out = new ArrayList<>();
        for (String k : keys) if (written.contains(k)) out.add(k);
        return out;
    }

    /**
     * Before any write of index rows: the entity is written in this run, a key of a fresh entity may now have a row
     * and a users row may no longer be the one cached.
     */
    private void beforeWrite(String entity, Collection<String> keys) {
        beforeWrite(entity, keys, false);
    }

    /** {@code sinkWrite}: a write by {@link #write}, whose users' commits are reported; any other drops the users' tally. */
    private void beforeWrite(String entity, Collection<String> keys, boolean sinkWrite) {
        markWritten(entity);
        SeenKeys written = fresh.get(entity);
        if (written != null && !entity.equals(ONCE_PER_RUN)) for (String k : keys) written.add(k);
        if (entity.equals(USERS)) {
            if (!sinkWrite) usersTally.drop();
            forgetRecentUsers(keys);
        }
    }

    /**
     * Creates ent-sync's own tables (index and run history) when absent; they are ours, not Moodle's. The
     * bookkeeping tables are keyed by what identifies a row, with no surrogate id: a first sync writes ~8 of their
     * rows per person, and a sequence and a second index made each insert ~25 % dearer on PostgreSQL. (Tables
     * created by earlier versions keep their id column, which nothing reads.)
     */
    public void ensureTables(Connection c) throws SQLException {
        ensureTables(c, org.entsync.moodle.MoodleSchemaChecker.columns(c, tableNames()).keySet());
    }

    /** ent-sync's own tables (full names), for a look at the schema that finds Moodle's and these at once. */
    public List<String> tableNames() {
        return java.util.stream.Stream.of(TABLE, "entsync_run", "entsync_lock", USER_COHORTS_TABLE, LEGACY_MEMBER_TABLE, CLASSKEY_TABLE, ENROL_TABLE)
                .map(sql::t).toList();
    }

    /** As {@link #ensureTables(Connection)}, knowing which tables exist (full names in lower case, of {@link #tableNames} at least). */
    public void ensureTables(Connection c, java.util.Set<String> existing) throws SQLException {
        java.util.function.Predicate<String> exists = t -> existing.contains(sql.t(t).toLowerCase(java.util.Locale.ROOT));
        if (!exists.test(TABLE)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t(TABLE) + " (instance VARCHAR(64)" + postgresC() + " NOT NULL, entity VARCHAR(32)" + postgresC() + " NOT NULL, "
                        + "ekey VARCHAR(255)" + exact() + " NOT NULL, hash VARCHAR(64) NOT NULL, moodleid BIGINT NOT NULL DEFAULT 0, "
                        + "state VARCHAR(16) NOT NULL, lastseen BIGINT NOT NULL DEFAULT 0, timemodified BIGINT NOT NULL DEFAULT 0, "
                        + "PRIMARY KEY (instance, entity, ekey))" + tableSuffix());
                // no index on lastseen: "lastseen < run" matches nearly every row of an entity, so the primary key's
                // (instance, entity) prefix serves those scans as well, and each of the ~4 rows per person written by
                // a first sync would maintain a second index for nothing
            }
        }
        if (!exists.test("entsync_run")) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t("entsync_run") + " (" + idColumn() + ", instance VARCHAR(64) NOT NULL, runtrigger VARCHAR(32) NOT NULL, "
                        + "mode VARCHAR(32) NOT NULL, timestart BIGINT NOT NULL, timeend BIGINT NOT NULL DEFAULT 0, outcome VARCHAR(32) NOT NULL, "
                        + "counts " + (sql.dialect() == Dialect.MARIADB ? "LONGTEXT" : sql.dialect() == Dialect.H2 ? "CLOB" : "TEXT") + ")" + tableSuffix());
                st.execute("CREATE INDEX " + sql.prefix() + "entsrun_inst_ix ON " + sql.t("entsync_run") + " (instance, timestart)");
            }
        }
        if (!exists.test("entsync_lock")) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t("entsync_lock") + " (instance VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(200) NOT NULL, "
                        + "acquired BIGINT NOT NULL, heartbeat BIGINT NOT NULL)" + tableSuffix());
            }
        }
        ensureUserCohorts(c, exists.test(LEGACY_MEMBER_TABLE), exists.test(USER_COHORTS_TABLE));
        if (!exists.test(CLASSKEY_TABLE)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t(CLASSKEY_TABLE) + " (instance VARCHAR(64)" + postgresC() + " NOT NULL, ckey VARCHAR(255)" + exact()
                        + " NOT NULL, userid BIGINT NOT NULL, ckrole VARCHAR(1)" + postgresC() + " NOT NULL, PRIMARY KEY (instance, userid, ckey, ckrole))" + tableSuffix());
                st.execute("CREATE INDEX " + sql.prefix() + "entsck_key_ix ON " + sql.t(CLASSKEY_TABLE) + " (instance, ckey, ckrole)");
            }
        }
        if (!exists.test(ENROL_TABLE)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t(ENROL_TABLE) + " (instance VARCHAR(64)" + postgresC() + " NOT NULL, courseid BIGINT NOT NULL, "
                        + "enrolid BIGINT NOT NULL, userid BIGINT NOT NULL, roleid BIGINT NOT NULL, PRIMARY KEY (instance, enrolid, userid))" + tableSuffix());
                st.execute("CREATE INDEX " + sql.prefix() + "entsenr_course_ix ON " + sql.t(ENROL_TABLE) + " (instance, courseid)");
            }
        }
        if (!c.getAutoCommit()) c.commit();
    }

    /**
     * Class keys of people ({@code <prefix>entsync_classkey}: instance, ckey = {@code <UAI>$<kind>$<code>}, userid,
     * role S = student of, T = teaches): what the groups reconciliation asks "students of class X" and "teachers
     * of class X" with one indexed query.
     */
    public static final String CLASSKEY_TABLE = "entsync_classkey";

    /** The course enrolments ent-sync itself made for groups ({@code <prefix>entsync_enrol}): only these are ever undone. */
    public static final String ENROL_TABLE = "entsync_enrol";

    /**
     * The cohort memberships ent-sync itself added, one row per user ({@code <prefix>entsync_usercohorts}: instance,
     * userid, cohortids = {@code ,12,45,}): see moodle.OwnedMemberships.
     */
    public static final String USER_COHORTS_TABLE = "entsync_usercohorts";

    /** Earlier versions' table of the same, one row per membership: converted, then dropped. */
    static final String LEGACY_MEMBER_TABLE = "entsync_member";
    private static final long USER_RANGE = 10_000;

    /**
     * Creates the ownership table; an earlier version's one-row-per-membership table is converted into it and
     * dropped (again from the start if a previous conversion was cut short: MariaDB commits each DDL statement).
     */
    private void ensureUserCohorts(Connection c, boolean legacy, boolean exists) throws SQLException {
        if (!exists) {
            String text = switch (sql.dialect()) {
                case POSTGRESQL -> "TEXT";
                case MARIADB -> "MEDIUMTEXT";
                case H2 -> "VARCHAR(1000000)";
            };
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + sql.t(USER_COHORTS_TABLE) + " (instance VARCHAR(64)" + postgresC() + " NOT NULL, userid BIGINT NOT NULL, "
                        + "cohortids " + text + " NOT NULL, PRIMARY KEY (instance, userid))" + tableSuffix());
            }
            if (!c.getAutoCommit()) c.commit();
        } else if (legacy) {
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM " + sql.t(USER_COHORTS_TABLE));
            }
        }
        if (!legacy) return;
        // by ranges of user ids, each read whole: a streamed read of millions of rows while inserting on the same
        // connection is not something every driver does without buffering them all
        List<String> instances = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT DISTINCT instance FROM " + sql.t(LEGACY_MEMBER_TABLE))) {
            while (rs.next()) instances.add(rs.getString(1));
        }
        for (String inst : instances) {
            long max = Sql.longValue(c, "SELECT MAX(userid) FROM " + sql.t(LEGACY_MEMBER_TABLE) + " WHERE instance = ?", inst);
            for (long from = 0; from <= max; from += USER_RANGE) {
                Map<Long, List<Long>> byUser = new java.util.TreeMap<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT userid, cohortid FROM " + sql.t(LEGACY_MEMBER_TABLE)
                        + " WHERE instance = ? AND userid >= ? AND userid < ?")) {
                    Sql.bind(ps, inst, from, from + USER_RANGE);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) byUser.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
                    }
                }
                List<Object[]> rows = new ArrayList<>();
                byUser.forEach((user, ids) -> rows.add(new Object[]{inst, user, org.entsync.moodle.OwnedMemberships.format(ids)}));
                sql.insert(c, USER_COHORTS_TABLE, List.of("instance", "userid", "cohortids"), rows);
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + sql.t(LEGACY_MEMBER_TABLE));
        }
        if (!c.getAutoCommit()) c.commit();
    }

    private String idColumn() {
        return switch (sql.dialect()) {
            case POSTGRESQL -> "id BIGSERIAL PRIMARY KEY";
            case MARIADB -> "id BIGINT AUTO_INCREMENT PRIMARY KEY";
            case H2 -> "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
        };
    }

    /**
     * A key compared byte for byte (a DN, a class key): MariaDB's utf8mb4_bin (its default collation folds case and
     * accents); PostgreSQL's "C", as {@link #postgresC}.
     */
    private String exact() {
        return sql.dialect() == Dialect.MARIADB ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : postgresC();
    }

    /**
     * Text of the bookkeeping tables' keys on PostgreSQL: "C", compared as bytes, where the database's locale would
     * compare through glibc or ICU at every step of a B-tree (the same equality: PostgreSQL's collations are
     * deterministic). ~30 % cheaper inserts into the index under a French ICU collation; tables created by
     * earlier versions keep the database's (the same results, slower). MariaDB and H2: the table's own.
     */
    private String postgresC() {
        return sql.dialect() == Dialect.POSTGRESQL ? " COLLATE \"C\"" : "";
    }

    private String tableSuffix() {
        return sql.dialect() == Dialect.MARIADB ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci" : "";
    }

    /** Loads the index rows of these keys, by chunks: one query per page, never one per entry. */
    public Map<String, IndexRow> probe(Connection c, String entity, Collection<String> keys) throws SQLException {
        Map<String, IndexRow> out = new HashMap<>(keys.size() * 2);
        Collection<String> toRead = keys;
        if (entity.equals(USERS)) {
            toRead = new ArrayList<>();
            synchronized (recentUsers) {
                for (String k : keys) {
                    IndexRow r = recentUsers.get(k);
                    if (r != null) out.put(k, r);
                    else toRead.add(k);
                }
            }
        }
        Sql.queryIn(c, "SELECT " + ROW_COLUMNS + " FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND ekey IN " + Sql.IN_LIST, mayHaveRow(entity, toRead),
                rs -> out.put(rs.getString(1), row(rs)), instance, entity);
        return out;
    }

    private static final String USERS = "users";
    private static final int RECENT_USERS = 4_000;

    /**
     * The users index rows of the last pages, as committed: the entities derived from a page (cohorts, roles,
     * groups) ask for the Moodle ids of the same people right after their users were written, so they no longer
     * query for them (three probes per page in a first sync). Only the user writer fills it, after its commit;
     * any other change of a users row takes the key out.
     */
    private final Map<String, IndexRow> recentUsers = lastUsed(RECENT_USERS);

    /**
     * Moodle ids of the accounts the recent batches of this run created (committed), unless a later batch wrote the
     * same id again without creating it (an account another key adopted): nothing in Moodle refers to them but what
     * this run writes for their one person, once (a later entry with the same key is a duplicate the users diff
     * stops, and it derives nothing). Cohorts, roles and groups do not read the current memberships, assignments
     * or keys of these ids (four queries a batch in a first sync). Bounded like {@link #recentUsers}: a forgotten
     * id is only read.
     */
    private final Map<Long, Boolean> recentlyCreated = lastUsed(RECENT_USERS);
    private long createdRunId = -1;

    /**
     * Users index rows the caller has just committed (never before the commit: a rolled back id must not be served),
     * with the rows its diff found before (null: none; same order) and the ids of the accounts it created.
     */
    public void committedUsers(List<IndexRow> rows, List<IndexRow> before, java.util.Set<Long> created, long runId) {
        usersTally.committed(runId, rows, before);
        synchronized (recentUsers) {
            if (createdRunId != runId) {
                recentlyCreated.clear();
                createdRunId = runId;
            }
            for (IndexRow r : rows) {
                recentUsers.put(r.key(), r);
                if (created.contains(r.moodleId())) recentlyCreated.put(r.moodleId(), Boolean.TRUE);
                else recentlyCreated.remove(r.moodleId());
            }
        }
    }

    /**
     * Those of these user ids that are not accounts this run created: a new account has no memberships,
     * assignments, class keys nor session yet (nothing to read, no access data to refresh).
     */
    public List<Long> notCreatedInRun(Collection<Long> userIds, long runId) {
        synchronized (recentUsers) {
            if (createdRunId != runId) return List.copyOf(userIds);
            return userIds.stream().filter(id -> !recentlyCreated.containsKey(id)).toList();
        }
    }

    /** A map that keeps the {@code max} entries used last (not thread-safe: callers lock). */
    private static <K, V> Map<K, V> lastUsed(int max) {
        return new java.util.LinkedHashMap<>(max * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    private void forgetRecentUsers(Collection<String> keys) {
        synchronized (recentUsers) {
            for (String k : keys) recentUsers.remove(k);
        }
    }

    /**
     * The Moodle ids of the people behind these record keys who are synced users now (an active users row with an
     * id), by key; the others are left out: they are written once they are synced users.
     */
    public Map<String, Long> syncedUserIds(Connection c, Collection<String> keys) throws SQLException {
        Map<String, Long> ids = new HashMap<>();
        probe(c, USERS, keys).forEach((k, row) -> {
            if (row.moodleId() > 0 && row.active()) ids.put(k, row.moodleId());
        });
        return ids;
    }

    /**
     * The entity whose keys a run writes at most once (people, by DN: each entry is read once and remembered once):
     * when it had no row at the start of the run, no key of it can have a row but the ones its write adds, so its
     * keys are not kept (~32 MB at a million people), nothing is probed and rows are inserted, not upserted.
     */
    private static final String ONCE_PER_RUN = "people";

    /**
     * Writes rows of {@link #ONCE_PER_RUN} in the caller's transaction: a plain INSERT when the entity had no row
     * when the run began (about half the cost of an upsert on PostgreSQL: ~100 000 rows in a first sync), else an
     * upsert.
     */
    public void writeOncePerRun(Connection c, String entity, List<IndexRow> rows, long runId, long now) throws SQLException {
        if (!entity.equals(ONCE_PER_RUN)) throw new IllegalArgumentException(entity + " may be written more than once per run");
        if (!fresh(entity)) {
            upsert(c, entity, rows, runId, now);
            return;
        }
        IndexWrites inserts = new IndexWrites(runId);
        inserts.absent.addAll(rows);
        write(c, entity, inserts, now);
    }

    /** Writes index rows in the caller's transaction, as one batch. */
    public void upsert(Connection c, String entity, List<IndexRow> rows, long runId, long now) throws SQLException {
        upsert(c, entity, rows, runId, now, false);
    }

    private void upsert(Connection c, String entity, List<IndexRow> rows, long runId, long now, boolean sinkWrite) throws SQLException {
        if (rows.isEmpty()) return;
        beforeWrite(entity, rows.stream().map(IndexRow::key).toList(), sinkWrite);
        sql.upsert(c, TABLE, KEY_COLUMNS, VALUE_COLUMNS, rows.stream().map(r -> values(entity, r, runId, now)).toList());
    }

    /**
     * Writes a sink's index rows in the caller's transaction: the new ones inserted, the others upserted. The
     * users' sink reports each commit of them ({@link #committedUsers}), which keeps their {@link UsersTally}.
     */
    public void write(Connection c, String entity, IndexWrites rows, long now) throws SQLException {
        upsert(c, entity, rows.present, rows.runId(), now, true);
        if (rows.absent.isEmpty()) return;
        beforeWrite(entity, rows.absent.stream().map(IndexRow::key).toList(), true);
        sql.insert(c, TABLE, ALL_COLUMNS, rows.absent.stream().map(r -> values(entity, r, rows.runId(), now)).toList());
    }

    private static final List<String> KEY_COLUMNS = List.of("instance", "entity", "ekey");
    private static final List<String> VALUE_COLUMNS = List.of("hash", "moodleid", "state", "lastseen", "timemodified");
    private static final List<String> ALL_COLUMNS = java.util.stream.Stream.concat(KEY_COLUMNS.stream(), VALUE_COLUMNS.stream()).toList();

    /** An index row as written: {@link #KEY_COLUMNS}, then {@link #VALUE_COLUMNS}. */
    private Object[] values(String entity, IndexRow r, long runId, long now) {
        return new Object[]{instance, entity, r.key(), r.hash(), r.moodleId(), r.state(), runId, now};
    }

    public void setState(Connection c, String entity, Collection<String> keys, String state, long now) throws SQLException {
        if (!keys.isEmpty()) beforeWrite(entity, keys);
        Sql.updateIn(c, "UPDATE " + sql.t(TABLE) + " SET state = ?, timemodified = ? WHERE instance = ? AND entity = ? AND ekey IN " + Sql.IN_LIST, keys,
                state, now, instance, entity);
    }

    /**
     * Sets the moodleid column of these rows (people rows: their change marker) without touching anything else:
     * people found unchanged whose entry was written since (an attribute no mapping reads, a value put back).
     */
    public void setMoodleIds(Connection c, String entity, List<String> keys, List<Long> values) throws SQLException {
        if (keys.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + sql.t(TABLE) + " SET moodleid = ? WHERE instance = ? AND entity = ? AND ekey = ?")) {
            for (int i = 0; i < keys.size(); i++) {
                Sql.bind(ps, values.get(i), instance, entity, keys.get(i));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public void delete(Connection c, String entity, Collection<String> keys) throws SQLException {
        if (!keys.isEmpty()) beforeWrite(entity, keys);
        Sql.updateIn(c, "DELETE FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND ekey IN " + Sql.IN_LIST, keys, instance, entity);
    }

    /**
     * Deletes the rows of these keys whose value does not begin with the given prefix (key → prefix, all prefixes of
     * one length), in the caller's transaction. On PostgreSQL one statement joining arrays of the keys and prefixes
     * (a 1 % run of 100 000 people sent ~1 900 one-row DELETEs, a bind and an execution each); elsewhere a batch.
     */
    public void deleteUnlessPrefixed(Connection c, String entity, Map<String, String> prefixes) throws SQLException {
        if (prefixes.isEmpty()) return;
        beforeWrite(entity, prefixes.keySet());
        int length = prefixes.values().iterator().next().length();
        for (String p : prefixes.values()) {
            if (p.length() != length) throw new IllegalArgumentException("prefixes of different lengths");
        }
        if (sql.dialect() == Dialect.POSTGRESQL) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.t(TABLE) + " AS x USING unnest(?::text[], ?::text[]) AS v(k, p) "
                    + "WHERE x.instance = ? AND x.entity = ? AND x.ekey = v.k AND SUBSTRING(x.hash, 1, " + length + ") <> v.p")) {
                ps.setArray(1, c.createArrayOf("text", prefixes.keySet().toArray()));
                ps.setArray(2, c.createArrayOf("text", prefixes.values().toArray()));
                ps.setString(3, instance);
                ps.setString(4, entity);
                ps.executeUpdate();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND ekey = ? AND SUBSTRING(hash, 1, "
                + length + ") <> ?")) {
            for (Map.Entry<String, String> e : prefixes.entrySet()) {
                Sql.bind(ps, instance, entity, e.getKey(), e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Deletes every row of these entities (entities the index no longer keeps), in the caller's transaction. */
    public void retire(Connection c, Collection<String> entities) throws SQLException {
        Sql.updateIn(c, "DELETE FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity IN " + Sql.IN_LIST, entities, instance);
    }

    /** Active entries that this run did not see: the candidates for removal. */
    public List<IndexRow> unseen(Connection c, String entity, long runId) throws SQLException {
        return unseen(c, entity, runId, IndexRow.ACTIVE, false);
    }

    /**
     * As {@link #unseen(Connection, String, long)}; {@code candidatesLikely}: the caller knows that people left the
     * directory, so the count that settles the case where nobody did (one scan of the entity's rows, ~25 ms
     * on PostgreSQL at 100 000 people) is skipped and the keys are scanned at once.
     */
    public List<IndexRow> unseen(Connection c, String entity, long runId, boolean candidatesLikely) throws SQLException {
        return unseen(c, entity, runId, IndexRow.ACTIVE, candidatesLikely);
    }

    public List<IndexRow> unseen(Connection c, String entity, long runId, String state) throws SQLException {
        return unseen(c, entity, runId, state, false);
    }

    /**
     * The entity's removal candidates when some of them are known: the rows of these keys (the records of the people
     * who left) that this run did not see, read in one probe; the count of the rows no write of this run touched
     * then tells whether they are all (every seen key has such a row, as for {@link #unseen}'s own count); if not,
     * the keys are scanned.
     */
    public List<IndexRow> unseenAmong(Connection c, String entity, long runId, Collection<String> keys) throws SQLException {
        if (fresh(entity)) return new ArrayList<>();
        SeenKeys seen = seenRunId == runId ? seenInRun.get(entity) : null;
        if (seen != null && !seen.hasOthers()) {
            List<IndexRow> found = unseenOf(c, entity, runId, keys);
            if (counts(c, entity, runId)[1] == seen.size() + found.size()) return found;
        }
        return unseen(c, entity, runId, IndexRow.ACTIVE, true);
    }

    /**
     * The active rows of these keys that this run did not see, and no others: for the people who left as the
     * fingerprints loaded at the start name them. Those name every person's row of the instance, so no count
     * makes sure of it (a count of every person's row took 230 ms on MariaDB at 100 000 people); a row missed
     * would only be a fingerprint kept one run too long.
     */
    public List<IndexRow> unseenOf(Connection c, String entity, long runId, Collection<String> keys) throws SQLException {
        List<IndexRow> found = new ArrayList<>();
        if (fresh(entity)) return found;
        Sql.queryIn(c, "SELECT " + ROW_COLUMNS + " FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND state = ? AND lastseen < ? AND ekey IN "
                + Sql.IN_LIST, new java.util.LinkedHashSet<>(keys), rs -> {
            if (!remembered(entity, rs.getString(1), runId)) found.add(row(rs));
        }, instance, entity, IndexRow.ACTIVE, runId);
        return found;
    }

    private List<IndexRow> unseen(Connection c, String entity, long runId, String state, boolean candidatesLikely) throws SQLException {
        SeenKeys seen = seenRunId == runId ? seenInRun.get(entity) : null;
        String where = " WHERE instance = ? AND entity = ? AND state = ? AND lastseen < ?";
        // no row when the run began (a first sync): every row there is was written by this run (lastseen = run)
        if (IndexRow.ACTIVE.equals(state) && fresh(entity)) return new ArrayList<>();
        // the usual case, nothing left the directory: as many such rows as keys remembered unchanged (each one of
        // them: active, lastseen < run), so all were seen. Not when failed keys (any row or none) were remembered.
        if (seen != null && IndexRow.ACTIVE.equals(state) && !seen.hasOthers() && !candidatesLikely) {
            if (counts(c, entity, runId)[1] == seen.size()) return new ArrayList<>(); // [1]: active rows no write of this run touched
        }
        if (seen == null || seen.size() == 0) return readRows(c, where, instance, entity, state, runId);
        // most rows were seen: their keys alone are streamed (not their hashes), the few others read in full
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ekey FROM " + sql.t(TABLE) + where)) {
            Sql.bind(ps, instance, entity, state, runId);
            ps.setFetchSize(5000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String k = rs.getString(1);
                    if (!seen.contains(k)) keys.add(k);
                }
            }
        }
        List<IndexRow> out = new ArrayList<>();
        Sql.queryIn(c, "SELECT " + ROW_COLUMNS + " FROM " + sql.t(TABLE) + where + " AND ekey IN " + Sql.IN_LIST, keys, rs -> out.add(row(rs)),
                instance, entity, state, runId);
        return out;
    }

    /**
     * Active rows of the entity this run did not see that also meet a condition on the index's columns (its
     * arguments follow), read in one query: for the few candidates a condition leaves, where reading every unseen
     * row first would not pay.
     */
    public List<IndexRow> unseenWhere(Connection c, String entity, long runId, String condition, Object... args) throws SQLException {
        List<IndexRow> out = new ArrayList<>();
        if (fresh(entity)) return out;
        Object[] all = new Object[4 + args.length];
        Object[] lead = {instance, entity, IndexRow.ACTIVE, runId};
        System.arraycopy(lead, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        for (IndexRow r : readRows(c, " WHERE instance = ? AND entity = ? AND state = ? AND lastseen < ? AND " + condition, all)) {
            if (!seenInRun(entity, r, runId)) out.add(r);
        }
        return out;
    }

    private List<IndexRow> readRows(Connection c, String where, Object... args) throws SQLException {
        List<IndexRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ROW_COLUMNS + " FROM " + sql.t(TABLE) + where)) {
            Sql.bind(ps, args);
            ps.setFetchSize(2000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs));
            }
        }
        return out;
    }

    private static final String ROW_COLUMNS = "ekey, hash, moodleid, state, lastseen";

    private static IndexRow row(ResultSet rs) throws SQLException {
        return new IndexRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5));
    }

    /**
     * {active, active with lastseen &lt; run} of the entity: for an entity this run never wrote, both are its active
     * rows at the start; for the users, their {@link UsersTally} when it can tell; otherwise from
     * {@link #removalCounts}.
     */
    private long[] counts(Connection c, String entity, long runId) throws SQLException {
        long[] tallied = entity.equals(USERS) ? usersTally.counts(runId) : null;
        if (tallied != null) return tallied;
        if (countsRunId == runId && writeCount(entity) == 0) {
            long n = activeAtStart.getOrDefault(entity, 0L);
            return new long[]{n, n};
        }
        return removalCounts(c, entity, runId);
    }

    /**
     * {active, active with lastseen &lt; run} of a written entity, from one scan of its rows (its primary key's
     * range); scanned again once the entity was written since.
     */
    private synchronized long[] removalCounts(Connection c, String entity, long runId) throws SQLException {
        Counted k = removalCounts.get(entity);
        if (k != null && k.runId() == runId && k.writes() == writeCount(entity)) return k.counts();
        long before = writeCount(entity); // before the scan: a write during it makes the entity count again
        long[] counts = new long[2];
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), SUM(CASE WHEN lastseen < ? THEN 1 ELSE 0 END) FROM " + sql.t(TABLE)
                + " WHERE instance = ? AND entity = ? AND state = ?")) {
            Sql.bind(ps, runId, instance, entity, IndexRow.ACTIVE);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    counts[0] = rs.getLong(1);
                    counts[1] = rs.getLong(2); // SUM of no row: NULL, read as 0
                }
            }
        }
        removalCounts.put(entity, new Counted(runId, before, counts));
        return counts;
    }

    /** How many times this run has written the entity's index rows so far (to tell whether a result read earlier still holds). */
    public long writeCount(String entity) {
        java.util.concurrent.atomic.AtomicLong n = writes.get(entity);
        return n == null ? 0 : n.get();
    }

    private void markWritten(String entity) {
        writes.computeIfAbsent(entity, e -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
    }

    /** Active rows of the entity now, counted for this run's removals (see {@link #removalCounts}). */
    public long countActive(Connection c, String entity, long runId) throws SQLException {
        return counts(c, entity, runId)[0];
    }

    public long countActive(Connection c, String entity) throws SQLException {
        return Sql.longValue(c, "SELECT COUNT(*) FROM " + sql.t(TABLE) + " WHERE instance = ? AND entity = ? AND state = ?", instance, entity, IndexRow.ACTIVE);
    }
}
