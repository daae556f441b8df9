package org.entsync.moodle;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Tells Moodle what changed behind its back, as set_cache_flag() does: a user flagged in
 * {@code accesslib/dirtyusers} has their access data reloaded on their next request.
 */
public final class DirtyFlags {
    private final Sql sql;

    public DirtyFlags(Sql sql) {
        this.sql = sql;
    }

    public void markUsers(Connection c, Collection<Long> userIds, long now, long sessionTimeout) throws SQLException {
        mark(c, "accesslib/dirtyusers", userIds.stream().map(String::valueOf).toList(), now, sessionTimeout);
    }

    /** A context is flagged by its path (e.g. /1/3/57). */
    public void markContexts(Connection c, Collection<String> paths, long now, long sessionTimeout) throws SQLException {
        mark(c, "accesslib/dirtycontexts", List.copyOf(paths), now, sessionTimeout);
    }

    private void mark(Connection c, String type, List<String> names, long now, long timeout) throws SQLException {
        if (names.isEmpty()) return;
        Sql.updateIn(c, sql.q("DELETE FROM {cache_flags} WHERE flagtype = ? AND name IN " + Sql.IN_LIST), names, type);
        sql.insert(c, "cache_flags", List.of("flagtype", "name", "timemodified", "value", "expiry"),
                names.stream().map(n -> new Object[]{type, n, now, "1", now + timeout}).toList());
    }
}
