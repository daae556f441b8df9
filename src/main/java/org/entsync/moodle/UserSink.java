package org.entsync.moodle;

import org.entsync.config.SyncConfig;
import org.entsync.diff.IndexRow;
import org.entsync.diff.IndexWrites;
import org.entsync.diff.PendingChange;
import org.entsync.diff.SyncIndex;
import org.entsync.mapping.EntityMapping;
import org.entsync.mapping.MappedRecord;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes one page of new or changed users in one transaction: user rows (created, adopted or updated), their user
 * contexts, custom profile fields, Moodle's dirty-user flags and the index rows. All statements are batched; the
 * only reads are one probe of the existing accounts per page.
 */
public final class UserSink {
    /** Columns a user mapping may write; anything else is refused when the mapping is loaded. */
    public static final Set<String> WRITABLE = Set.of("username", "idnumber", "firstname", "lastname", "email", "institution",
            "department", "address", "city", "country", "lang", "phone1", "phone2", "middlename", "alternatename",
            "firstnamephonetic", "lastnamephonetic", "timezone", "auth");
    public static final String ENTITY = "users";
    /** What auth_ldap and auth_cas store for accounts whose password lives elsewhere. */
    private static final String NOT_CACHED = "not cached";

    private final TargetDatabase target;
    private final SyncConfig.Users users;
    private final EntityMapping mapping;
    private final List<String> columns;
    private final boolean dryRun;
    private Map<String, Long> profileFieldIds;
    private Map<String, Long> uncommittedFieldIds;
    private Set<Long> protectedIds;

    public UserSink(TargetDatabase target, SyncConfig.Users users, EntityMapping mapping, boolean dryRun) {
        this.target = target;
        this.users = users;
        this.mapping = mapping;
        this.columns = new ArrayList<>(mapping.columns().keySet());
        this.dryRun = dryRun;
    }

    private static final class Row {
        final PendingChange p;
        final Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> before;
        long id;
        boolean created;
        boolean adopted;
        boolean revived;
        boolean suspendedBefore;
        /** field → [old, new], once the row and its profile fields are written. */
        Map<String, List<String>> changes;

        Row(PendingChange p) {
            this.p = p;
        }
    }

    /**
     * Writes the page; returns normally even when some entries failed (they are in the report). A dry run does all
     * the same work and rolls it back, so its report is exactly what a real run would have done.
     */
    public void write(Connection c, List<PendingChange> page, long runId, EntityReport report) throws SQLException {
        write(c, page, runId, report, false);
    }

    private void write(Connection c, List<PendingChange> page, long runId, EntityReport report, boolean replay) throws SQLException {
        try {
            List<Row> rows = writeAll(c, page, runId);
            if (dryRun) {
                c.rollback();
            } else {
                c.commit();
                if (profileFieldIds == null) profileFieldIds = uncommittedFieldIds;
                target.index().committedUsers(indexRows(rows, runId), rows.stream().map(r -> r.p.index()).toList(),
                        rows.stream().filter(r -> r.created).map(r -> r.id).collect(java.util.stream.Collectors.toSet()), runId);
            }
            report(rows, report);
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) {
                // the connection is gone (killed, network): report why the write failed, not that rollback could not run
                e.addSuppressed(rollbackFailed);
                throw e;
            }
            // a deadlock's victim is written again whole (WriteStage): no entry is at fault. Not once entries are
            // replayed one by one, some of them already committed: the entry then fails alone, as any refusal
            if (!replay && Sql.isDeadlock(e)) throw e;
            if (Sql.isConnectionLoss(e) || page.size() == 1) {
                if (page.size() == 1 && !Sql.isConnectionLoss(e)) {
                    PendingChange p = page.get(0);
                    report.failure(p.record().dn(), p.record().key(), null, null, "Moodle refused the write: " + e.getMessage());
                    // the entry is still in the directory: keep it out of the removal candidates
                    target.index().rememberFailed(ENTITY, List.of(p.record().key()), runId);
                    return;
                }
                throw e;
            }
            // isolate the entry the database refuses: the others of the page still sync
            for (PendingChange p : page) write(c, List.of(p), runId, report, true);
        }
    }

    private List<Row> writeAll(Connection c, List<PendingChange> page, long runId) throws SQLException {
        Sql sql = target.sql();
        long now = System.currentTimeMillis() / 1000;
        List<Row> rows = new ArrayList<>(page.size());
        for (PendingChange p : page) {
            Row r = new Row(p);
            mapping.columns().forEach((col, field) -> r.values.put(col, String.join(mapping.joinOf(field), p.record().values(field))));
            rows.add(r);
        }
        loadExisting(c, rows);
        List<Row> inserts = new ArrayList<>();
        List<Row> updates = new ArrayList<>();
        for (Row r : rows) {
            if (r.id == 0) {
                inserts.add(r);
            } else {
                updates.add(r);
            }
        }
        insertUsers(c, inserts, now);
        ensureContexts(c, rows);
        // an account whose columns already hold these values is left as it is (a --full run rewrote all of them)
        updateUsers(c, updates.stream().filter(r -> r.revived || !sameColumns(r)).toList(), now);
        writeProfileFields(c, rows);
        rows.forEach(r -> r.changes = diff(r));
        // only accounts that changed are flagged; one created now has no session whose access data could be stale
        // (Moodle's own user creation sets no flag)
        List<Long> ids = rows.stream().filter(r -> !r.created && (r.revived || r.adopted || !r.changes.isEmpty())).map(r -> r.id).toList();
        target.dirtyFlags().markUsers(c, ids, now, target.site().sessionTimeout());
        IndexWrites indexRows = new IndexWrites(runId);
        rows.forEach(r -> indexRows.add(r.p, r.id));
        target.index().write(c, ENTITY, indexRows, now);
        target.countBatch(6);
        return rows;
    }

    private boolean sameColumns(Row r) {
        return r.before != null && columns.stream().allMatch(col -> Objects.equals(r.before.get(col), r.values.get(col)));
    }

    private static List<IndexRow> indexRows(List<Row> rows, long runId) {
        return rows.stream().map(r -> new IndexRow(r.p.record().key(), r.p.record().hash(), r.id, IndexRow.ACTIVE, runId)).toList();
    }

    /** Reported only once the transaction is settled, so a retried page is never counted twice. */
    private static void report(List<Row> rows, EntityReport report) {
        for (Row r : rows) {
            Map<String, List<String>> diff = r.changes;
            if (r.created) report.change(Count.created, r.p.record().key(), r.id, diff, null);
            else if (r.revived) report.change(Count.revived, r.p.record().key(), r.id, diff, "unsuspended: back in the directory");
            else if (diff.isEmpty() && !r.adopted) report.add(Count.unchanged, 1); // --full rewrote it as it was
            else report.change(Count.updated, r.p.record().key(), r.id, diff, r.adopted ? "adopted an existing Moodle account" : null);
        }
    }

    /** Finds each entry's Moodle account: by the id the index remembers, else by username (or idnumber) to adopt it. */
    private void loadExisting(Connection c, List<Row> rows) throws SQLException {
        Sql sql = target.sql();
        Map<Long, Row> byId = new HashMap<>();
        Map<String, Row> byKey = new HashMap<>();
        String adoptColumn = users.adoptBy();
        for (Row r : rows) {
            IndexRow ix = r.p.index();
            if (ix != null && ix.moodleId() > 0) byId.put(ix.moodleId(), r);
            else byKey.put(r.values.get(adoptColumn), r);
        }
        String cols = "id, username, suspended, " + String.join(", ", columns);
        Sql.queryIn(c, "SELECT " + cols + " FROM " + sql.t("user") + " WHERE deleted = 0 AND id IN " + Sql.IN_LIST, byId.keySet(),
                rs -> attach(byId.get(rs.getLong(1)), rs, false));
        for (Row r : byId.values()) {
            if (r.id == 0) byKey.put(r.values.get(adoptColumn), r); // the account vanished from Moodle: find or recreate it
        }
        byKey.remove(null);
        byKey.remove("");
        Sql.queryIn(c, "SELECT " + cols + " FROM " + sql.t("user") + " WHERE deleted = 0 AND mnethostid = ? AND " + adoptColumn + " IN " + Sql.IN_LIST + " ORDER BY id",
                mayExist(c, byKey.keySet()), rs -> {
                    Row r = byKey.get(rs.getString(adoptColumn));
                    if (r == null || r.id != 0) return;
                    if (protectedAccounts(c).contains(rs.getLong(1))) {
                        // fails the page, which is then replayed entry by entry: this entry alone fails with the reason
                        throw new SQLException(adoptColumn + " '" + rs.getString(adoptColumn) + "' is Moodle's guest or a site administrator account "
                                + "(config siteguest/siteadmins): ent-sync never adopts it");
                    }
                    attach(r, rs, true);
                }, target.site().mnetHostId());
    }

    /** From this many accounts to look for in one batch (and in any batch of a first sync): see {@link #mayExist}. */
    private static final int ADOPTION_SET_FROM = 200;
    /** Lower-cased values of the adoption column of Moodle's live accounts, as 64-bit hashes; null until needed. */
    private org.entsync.diff.SeenKeys liveAccounts;

    /**
     * Those of these values (of the adoption column) that may belong to a live Moodle account. A batch of a first
     * sync looks for every one of its people, nearly always in vain (~200 probes of 500 values at 100 000 people):
     * in a first sync, or once a batch looks for many, the column's values are read once for the run (64-bit
     * hashes, lower-cased, so that a case-insensitive collation finds no more than they do) and only the matching
     * values are asked for. An account made in Moodle after that is not adopted in this run: with the same
     * username its creation fails on Moodle's unique key and the entry is retried next run, which finds it.
     */
    private java.util.Collection<String> mayExist(Connection c, Set<String> values) throws SQLException {
        if (liveAccounts == null && values.size() < ADOPTION_SET_FROM && !target.index().fresh(ENTITY)) return values;
        String column = users.adoptBy();
        if (liveAccounts == null) {
            org.entsync.diff.SeenKeys live = new org.entsync.diff.SeenKeys();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + target.sql().t("user") + " WHERE deleted = 0 AND mnethostid = ?")) {
                ps.setLong(1, target.site().mnetHostId());
                ps.setFetchSize(5000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String v = rs.getString(1);
                        if (v != null && !v.isEmpty()) live.add(v.toLowerCase(java.util.Locale.ROOT));
                    }
                }
            }
            liveAccounts = live;
        }
        List<String> out = new ArrayList<>();
        for (String v : values) if (liveAccounts.contains(v.toLowerCase(java.util.Locale.ROOT))) out.add(v);
        return out;
    }

    /** The guest and site administrator ids ($CFG->siteguest, $CFG->siteadmins): never adopted, whatever their username. */
    private Set<Long> protectedAccounts(Connection c) throws SQLException {
        if (protectedIds == null) {
            Set<Long> ids = new java.util.HashSet<>();
            for (String name : List.of("siteguest", "siteadmins")) {
                String v = Sql.stringValue(c, target.sql().q("SELECT value FROM {config} WHERE name = ?"), name);
                if (v == null) continue;
                for (String id : v.split(",")) if (id.trim().matches("\\d+")) ids.add(Long.parseLong(id.trim()));
            }
            protectedIds = ids;
        }
        return protectedIds;
    }

    private void attach(Row r, ResultSet rs, boolean adopted) throws SQLException {
        r.id = rs.getLong(1);
        r.adopted = adopted;
        r.suspendedBefore = rs.getInt("suspended") != 0;
        r.before = new LinkedHashMap<>();
        for (String col : columns) r.before.put(col, Objects.toString(rs.getString(col), ""));
        IndexRow ix = r.p.index();
        r.revived = ix != null && IndexRow.SUSPENDED.equals(ix.state()) && r.suspendedBefore;
    }

    private void insertUsers(Connection c, List<Row> inserts, long now) throws SQLException {
        if (inserts.isEmpty()) return;
        Sql sql = target.sql();
        List<String> cols = new ArrayList<>(columns);
        List<Object> fixed = new ArrayList<>();
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("auth", users.auth());
        defaults.put("confirmed", 1);
        defaults.put("mnethostid", target.site().mnetHostId());
        defaults.put("password", NOT_CACHED);
        defaults.put("lang", users.lang());
        defaults.put("country", users.country());
        defaults.put("timezone", users.timezone());
        defaults.put("timecreated", now);
        defaults.put("timemodified", now);
        defaults.forEach((k, v) -> {
            if (!cols.contains(k)) {
                cols.add(k);
                fixed.add(v);
            }
        });
        List<Long> ids = sql.reserveIds(c, "user", inserts.size());
        List<String> insertColumns = new ArrayList<>();
        if (ids != null) insertColumns.add("id");
        insertColumns.addAll(cols);
        List<Object[]> values = new ArrayList<>(inserts.size());
        for (int n = 0; n < inserts.size(); n++) {
            Row r = inserts.get(n);
            Object[] v = new Object[insertColumns.size()];
            int i = 0;
            if (ids != null) v[i++] = ids.get(n);
            for (String col : columns) v[i++] = r.values.get(col);
            for (Object f : fixed) v[i++] = f;
            values.add(v);
        }
        sql.insert(c, "user", insertColumns, values);
        if (ids != null) {
            for (int n = 0; n < inserts.size(); n++) {
                inserts.get(n).id = ids.get(n);
                inserts.get(n).created = true;
            }
            return;
        }
        Map<String, Row> byName = new HashMap<>();
        for (Row r : inserts) byName.put(r.values.get("username"), r);
        Sql.queryIn(c, "SELECT id, username FROM " + sql.t("user") + " WHERE mnethostid = ? AND deleted = 0 AND username IN " + Sql.IN_LIST, byName.keySet(), rs -> {
            Row r = byName.get(rs.getString(2));
            if (r != null) {
                r.id = rs.getLong(1);
                r.created = true;
            }
        }, target.site().mnetHostId());
        for (Row r : inserts) {
            if (r.id == 0) throw new SQLException("user " + r.values.get("username") + " was inserted but cannot be found again");
        }
    }

    /** Every user needs a user context: contextlevel 30, path /<system>/<context id>, depth 2. */
    private void ensureContexts(Connection c, List<Row> rows) throws SQLException {
        Sql sql = target.sql();
        List<Long> need = new ArrayList<>();
        Map<Long, Boolean> has = new HashMap<>();
        List<Long> check = rows.stream().filter(r -> !r.created).map(r -> r.id).toList();
        Sql.queryIn(c, "SELECT instanceid FROM " + sql.t("context") + " WHERE contextlevel = 30 AND instanceid IN " + Sql.IN_LIST, check, rs -> has.put(rs.getLong(1), true));
        for (Row r : rows) if (r.created || !has.containsKey(r.id)) need.add(r.id);
        if (need.isEmpty()) return;
        // the system path is digits and slashes read from the database, so it can be a literal here
        String sysPath = target.site().systemContextPath();
        int depth = sysPath.split("/").length;
        List<Long> ids = sql.reserveIds(c, "context", need.size());
        if (ids != null) { // path known before the insert: no UPDATE of the rows just written (context has two path indexes)
            List<Object[]> values = new ArrayList<>(need.size());
            for (int n = 0; n < need.size(); n++) values.add(new Object[]{ids.get(n), 30, need.get(n), depth, sysPath + "/" + ids.get(n), 0});
            sql.insert(c, "context", List.of("id", "contextlevel", "instanceid", "depth", "path", "locked"), values);
            return;
        }
        sql.insert(c, "context", List.of("contextlevel", "instanceid", "depth", "path", "locked"),
                need.stream().map(id -> new Object[]{30, id, 0, null, 0}).toList());
        Sql.updateIn(c, "UPDATE " + sql.t("context") + " SET path = CONCAT('" + sysPath + "/', id), depth = " + depth
                + " WHERE contextlevel = 30 AND path IS NULL AND instanceid IN " + Sql.IN_LIST, need);
    }

    private void updateUsers(Connection c, List<Row> updates, long now) throws SQLException {
        if (updates.isEmpty()) return;
        Sql sql = target.sql();
        Map<Long, String[]> values = new LinkedHashMap<>(); // one row per account: the last record of it wins, as one statement each would
        for (Row r : updates) values.put(r.id, columns.stream().map(r.values::get).toArray(String[]::new));
        sql.updateById(c, "user", columns, values, "timemodified", now);
        try (PreparedStatement revive = c.prepareStatement("UPDATE " + sql.t("user") + " SET suspended = 0 WHERE id = ?")) {
            for (Row r : updates) {
                if (r.revived) {
                    revive.setLong(1, r.id);
                    revive.addBatch();
                }
            }
            revive.executeBatch();
        }
    }

    private void writeProfileFields(Connection c, List<Row> rows) throws SQLException {
        Map<String, Long> fieldIds = profileFieldIds;
        if (fieldIds == null) {
            Map<String, String> names = new LinkedHashMap<>();
            mapping.profileFields().forEach((sn, pf) -> names.put(sn, pf.name));
            fieldIds = target.profileFields().ensure(c, names);
            uncommittedFieldIds = fieldIds; // may have been created in this transaction: trusted once it commits
        }
        if (fieldIds.isEmpty()) return;
        Map<String, Long> profileFieldIds = fieldIds;
        List<Object[]> data = new ArrayList<>();
        List<Object[]> fresh = new ArrayList<>(); // of accounts created now: nothing to update
        Map<Long, Map<Long, String>> old = target.profileFields().read(c, rows.stream().filter(r -> !r.created).map(r -> r.id).toList(), profileFieldIds.values());
        mapping.profileFields().forEach((shortname, pf) -> {
            long fieldId = profileFieldIds.get(shortname);
            for (Row r : rows) {
                String value = String.join(mapping.joinOf(pf.field), r.p.record().values(pf.field));
                String before = old.getOrDefault(r.id, Map.of()).get(fieldId);
                if (!value.equals(before)) {
                    (r.created ? fresh : data).add(new Object[]{r.id, fieldId, value});
                    if (r.before != null) r.before.put("profile_field_" + shortname, before == null ? "" : before);
                }
                r.values.put("profile_field_" + shortname, value);
            }
        });
        target.profileFields().write(c, data, fresh);
    }

    /** field → [old, new] for what the write changed (all fields for a creation). */
    private static Map<String, List<String>> diff(Row r) {
        Map<String, List<String>> d = new LinkedHashMap<>();
        r.values.forEach((k, v) -> {
            String before = r.before == null ? null : r.before.get(k);
            if (r.before == null) {
                if (!v.isEmpty()) d.put(k, java.util.Arrays.asList(null, v));
            } else if (before != null && !before.equals(v)) {
                d.put(k, List.of(before, v));
            }
        });
        return d;
    }
}
