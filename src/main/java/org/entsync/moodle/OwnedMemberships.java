package org.entsync.moodle;

import org.entsync.diff.SyncIndex;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cohort memberships ent-sync itself added, one row per user ({@link SyncIndex#USER_COHORTS_TABLE}: the ids
 * of the cohorts, {@code ,12,45,}). cohort_members has no owner column, and a member an administrator added by
 * hand, even to an owned cohort, must never be removed. One row per person, not one per membership: a first sync
 * of 100 000 people wrote 254 000 ownership rows under two indexes, now 100 000 under one. Ids of cohorts deleted
 * since are dropped when the user's row is next written.
 */
public final class OwnedMemberships {
    private final TargetDatabase target;

    OwnedMemberships(TargetDatabase target) {
        this.target = target;
    }

    /** userid → every cohort id recorded for them (users without a row are left out). */
    Map<Long, TreeSet<Long>> read(Connection c, Collection<Long> userIds) throws SQLException {
        Map<Long, TreeSet<Long>> out = new HashMap<>();
        Sql.queryIn(c, target.sql().q("SELECT userid, cohortids FROM {" + SyncIndex.USER_COHORTS_TABLE + "} WHERE instance = ? AND userid IN " + Sql.IN_LIST),
                userIds, rs -> out.put(rs.getLong(1), parse(rs.getString(2))), target.instance());
        return out;
    }

    /**
     * Writes the users' new sets: {@code stored} is what {@link #read} gave (users absent from it have no row),
     * {@code changed} the new set of each user whose set changed (empty: the row goes).
     */
    void write(Connection c, Map<Long, TreeSet<Long>> stored, Map<Long, ? extends Set<Long>> changed) throws SQLException {
        List<Object[]> inserts = new ArrayList<>();
        List<Long> deletes = new ArrayList<>();
        try (PreparedStatement upd = c.prepareStatement(target.sql().q("UPDATE {" + SyncIndex.USER_COHORTS_TABLE + "} SET cohortids = ? WHERE instance = ? AND userid = ?"))) {
            boolean any = false;
            for (Map.Entry<Long, ? extends Set<Long>> e : changed.entrySet()) {
                boolean hasRow = stored.containsKey(e.getKey());
                if (e.getValue().isEmpty()) {
                    if (hasRow) deletes.add(e.getKey());
                } else if (!hasRow) {
                    inserts.add(new Object[]{target.instance(), e.getKey(), format(e.getValue())});
                } else {
                    Sql.bind(upd, format(e.getValue()), target.instance(), e.getKey());
                    upd.addBatch();
                    any = true;
                }
            }
            if (any) upd.executeBatch();
        }
        target.sql().insert(c, SyncIndex.USER_COHORTS_TABLE, List.of("instance", "userid", "cohortids"), inserts);
        Sql.updateIn(c, target.sql().q("DELETE FROM {" + SyncIndex.USER_COHORTS_TABLE + "} WHERE instance = ? AND userid IN " + Sql.IN_LIST), deletes, target.instance());
    }

    /** {@code ,12,45,}: ascending ids (a set the sinks built in order is not sorted again). */
    public static String format(Collection<Long> ids) {
        StringBuilder b = new StringBuilder(ids.size() * 8).append(',');
        Collection<Long> ascending = ids instanceof TreeSet<Long> t && t.comparator() == null ? ids : new TreeSet<>(ids);
        for (Long id : ascending) b.append(id).append(',');
        return b.toString();
    }

    static TreeSet<Long> parse(String ids) {
        TreeSet<Long> out = new TreeSet<>();
        if (ids == null) return out;
        int from = 0;
        for (int i = 0; i <= ids.length(); i++) {
            if (i == ids.length() || ids.charAt(i) == ',') {
                if (i > from) out.add(Long.parseLong(ids, from, i, 10));
                from = i + 1;
            }
        }
        return out;
    }
}
