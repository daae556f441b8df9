package org.entsync.moodle;

import org.entsync.diff.SyncIndex;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

/** What the removal policy does to users who left the directory: suspend them, or delete them as Moodle does. */
public final class UserRemoval {
    private final TargetDatabase target;

    public UserRemoval(TargetDatabase target) {
        this.target = target;
    }

    /** suspended = 1 (login blocked, data kept), then the users are flagged dirty. Caller commits. */
    public int suspend(Connection c, List<Long> userIds, long now) throws SQLException {
        int n = Sql.updateIn(c, "UPDATE " + target.sql().t("user") + " SET suspended = 1, timemodified = ? WHERE deleted = 0 AND id IN " + Sql.IN_LIST, userIds, now);
        target.dirtyFlags().markUsers(c, userIds, now, target.site().sessionTimeout());
        return n;
    }

    /**
     * Moodle's delete_user() for the tables ent-sync touches: memberships, enrolments, roles and profile data go,
     * the row stays with deleted = 1, username = email.time, email = md5(username), idnumber = '' and the user
     * context is removed. Caller commits.
     */
    public void delete(Connection c, List<Long> userIds, long now) throws SQLException {
        Sql sql = target.sql();
        for (String table : new String[]{"cohort_members", SyncIndex.USER_COHORTS_TABLE, "entsync_classkey", "entsync_enrol", "groups_members", "user_enrolments", "role_assignments", "user_info_data"}) {
            Sql.updateIn(c, "DELETE FROM " + sql.t(table) + " WHERE userid IN " + Sql.IN_LIST, userIds);
        }
        Sql.updateIn(c, "DELETE FROM " + sql.t("context") + " WHERE contextlevel = 30 AND instanceid IN " + Sql.IN_LIST, userIds);
        try (PreparedStatement read = c.prepareStatement("SELECT username, email FROM " + sql.t("user") + " WHERE id = ?");
             PreparedStatement upd = c.prepareStatement("UPDATE " + sql.t("user") + " SET deleted = 1, suspended = 0, username = ?, email = ?, idnumber = '', "
                     + "picture = 0, timemodified = ? WHERE id = ? AND deleted = 0")) {
            for (Long id : userIds) {
                read.setLong(1, id);
                try (ResultSet rs = read.executeQuery()) {
                    if (!rs.next()) continue;
                    String username = rs.getString(1);
                    String email = rs.getString(2) == null ? "" : rs.getString(2);
                    String deletedName = (email.isEmpty() ? username : email).toLowerCase() + "." + now + "." + id;
                    Sql.bind(upd, deletedName.length() > 100 ? deletedName.substring(deletedName.length() - 100) : deletedName, md5(username), now, id);
                    upd.addBatch();
                }
            }
            upd.executeBatch();
        }
        target.dirtyFlags().markUsers(c, userIds, now, target.site().sessionTimeout());
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
