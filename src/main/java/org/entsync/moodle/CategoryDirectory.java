package org.entsync.moodle;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Schools' course categories (idnumber = UAI) and their contexts, looked up in bulk and cached for the run. */
public final class CategoryDirectory {
    public record CategoryRef(long categoryId, long contextId, String contextPath) {
    }

    private final Sql sql;
    private final Map<String, CategoryRef> cache = new ConcurrentHashMap<>();

    public CategoryDirectory(Sql sql) {
        this.sql = sql;
    }

    /** The categories of these schools that exist (in the caller's transaction, so new ones are seen). */
    public Map<String, CategoryRef> resolve(Connection c, Collection<String> uais) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String u : uais) if (!cache.containsKey(u)) missing.add(u);
        Sql.queryIn(c, sql.q("SELECT cc.idnumber, cc.id, x.id, x.path FROM {course_categories} cc "
                        + "JOIN {context} x ON x.contextlevel = 40 AND x.instanceid = cc.id WHERE cc.idnumber IN " + Sql.IN_LIST + " ORDER BY cc.id DESC"), missing,
                rs -> cache.put(rs.getString(1), new CategoryRef(rs.getLong(2), rs.getLong(3), rs.getString(4))));
        Map<String, CategoryRef> out = new java.util.HashMap<>();
        for (String u : uais) {
            CategoryRef r = cache.get(u);
            if (r != null) out.put(u, r);
        }
        return out;
    }

    public void forget(String uai) {
        cache.remove(uai);
    }
}
