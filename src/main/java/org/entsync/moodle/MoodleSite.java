package org.entsync.moodle;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;

/** Site facts read once per run: the local mnet host, the session timeout and the system context. */
public record MoodleSite(long mnetHostId, long sessionTimeout, long systemContextId, String systemContextPath) {
    private static final Pattern PATH = Pattern.compile("(/\\d+)+");

    public static MoodleSite read(Connection c, Sql sql) throws SQLException {
        String mnet = Sql.stringValue(c, sql.q("SELECT value FROM {config} WHERE name = ?"), "mnet_localhost_id");
        if (mnet == null || !mnet.matches("\\d+")) {
            throw new SQLException("config mnet_localhost_id is missing from " + sql.t("config") + ": is this a Moodle database?");
        }
        String timeout = Sql.stringValue(c, sql.q("SELECT value FROM {config} WHERE name = ?"), "sessiontimeout");
        long sysId = Sql.longValue(c, sql.q("SELECT id FROM {context} WHERE contextlevel = 10"));
        String sysPath = Sql.stringValue(c, sql.q("SELECT path FROM {context} WHERE contextlevel = 10"));
        if (sysId == 0) throw new SQLException("the system context (contextlevel 10) is missing from " + sql.t("context"));
        if (sysPath == null || !PATH.matcher(sysPath).matches()) sysPath = "/" + sysId;
        return new MoodleSite(Long.parseLong(mnet), timeout == null || !timeout.matches("\\d+") ? 28800 : Long.parseLong(timeout), sysId, sysPath);
    }
}
