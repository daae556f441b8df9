package org.entsync.moodle;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Custom profile fields (user_info_field) ent-sync writes, created in a category "ENT" when missing. */
public final class ProfileFields {
    public static final String CATEGORY = "ENT";
    private final Sql sql;

    public ProfileFields(Sql sql) {
        this.sql = sql;
    }

    /** Field id by shortname; creates the category and the missing fields (text, locked, visible to the user). */
    public Map<String, Long> ensure(Connection c, Map<String, String> namesByShortname) throws SQLException {
        Map<String, Long> ids = new LinkedHashMap<>();
        if (namesByShortname.isEmpty()) return ids;
        long category = Sql.longValue(c, sql.q("SELECT MIN(id) FROM {user_info_category} WHERE name = ?"), CATEGORY);
        if (category == 0) {
            long sort = Sql.longValue(c, sql.q("SELECT COALESCE(MAX(sortorder), 0) FROM {user_info_category}")) + 1;
            Sql.update(c, sql.q("INSERT INTO {user_info_category} (name, sortorder) VALUES (?, ?)"), CATEGORY, sort);
            category = Sql.longValue(c, sql.q("SELECT MIN(id) FROM {user_info_category} WHERE name = ?"), CATEGORY);
        }
        for (Map.Entry<String, String> f : namesByShortname.entrySet()) {
            long id = Sql.longValue(c, sql.q("SELECT MIN(id) FROM {user_info_field} WHERE shortname = ?"), f.getKey());
            if (id == 0) {
                long sort = Sql.longValue(c, sql.q("SELECT COALESCE(MAX(sortorder), 0) FROM {user_info_field} WHERE categoryid = ?"), category) + 1;
                Sql.update(c, sql.q("INSERT INTO {user_info_field} (shortname, name, datatype, description, descriptionformat, categoryid, sortorder, "
                                + "required, locked, visible, forceunique, signup, defaultdata, defaultdataformat, param1, param2, param3) "
                                + "VALUES (?, ?, 'text', '', 1, ?, ?, 0, 1, 1, 0, 0, '', 0, '30', '2048', '0')"),
                        f.getKey(), f.getValue() == null ? f.getKey() : f.getValue(), category, sort);
                id = Sql.longValue(c, sql.q("SELECT MIN(id) FROM {user_info_field} WHERE shortname = ?"), f.getKey());
            }
            ids.put(f.getKey(), id);
        }
        return ids;
    }

    /**
     * Writes user_info_data rows (userid, fieldid, data) in the caller's transaction: upserted, or inserted for
     * {@code fresh} ones (accounts created in this transaction, which have no data yet).
     */
    public void write(Connection c, List<Object[]> userFieldData, List<Object[]> fresh) throws SQLException {
        sql.upsert(c, "user_info_data", List.of("userid", "fieldid"), List.of("data", "dataformat"),
                userFieldData.stream().map(row -> new Object[]{row[0], row[1], row[2], 0}).toList());
        sql.insert(c, "user_info_data", List.of("userid", "fieldid", "data", "dataformat"), fresh.stream().map(row -> new Object[]{row[0], row[1], row[2], 0}).toList());
    }

    /** Current values of these fields for these users: userid → (fieldid → data). */
    public Map<Long, Map<Long, String>> read(Connection c, List<Long> userIds, java.util.Collection<Long> fieldIds) throws SQLException {
        Map<Long, Map<Long, String>> out = new java.util.HashMap<>();
        if (fieldIds.isEmpty()) return out;
        Sql.queryIn(c, sql.q("SELECT userid, fieldid, data FROM {user_info_data} WHERE userid IN " + Sql.IN_LIST), userIds, rs -> {
            if (fieldIds.contains(rs.getLong(2))) out.computeIfAbsent(rs.getLong(1), k -> new java.util.HashMap<>()).put(rs.getLong(2), rs.getString(3));
        });
        return out;
    }
}
