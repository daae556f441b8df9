package org.entsync.moodle;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a Moodle database has the tables and columns ent-sync needs, from {@code information_schema}
 * (only the tables asked for: {@link DatabaseMetaData#getColumns} read every column of the ~450 tables of a real
 * Moodle, and its query is among the heaviest of the PostgreSQL driver, at the start of every run). Names are
 * compared case-insensitively (PostgreSQL folds to lower case, H2 to upper case, MariaDB keeps them as created).
 * Only the connection's current schema (MariaDB: database) is looked at.
 */
public final class MoodleSchemaChecker {

    private MoodleSchemaChecker() {
    }

    /**
     * Lists what is missing, as human messages such as {@code "table mdl_cohort is missing"} or
     * {@code "column mdl_user.suspended is missing"}. Empty when everything is there.
     *
     * @param requiredColumnsByTable unprefixed table name -> column names (e.g. {@link #coreRequirements()})
     * @throws IllegalStateException if the metadata cannot be read
     */
    public static List<String> missing(Connection c, String prefix, Map<String, Set<String>> requiredColumnsByTable) {
        String p = prefix == null ? "" : prefix;
        List<String> problems = new ArrayList<>();
        try {
            Map<String, Set<String>> columns = columnsOf(c, requiredColumnsByTable.keySet().stream().map(t -> p + t).toList());
            for (Map.Entry<String, Set<String>> e : requiredColumnsByTable.entrySet()) {
                String wanted = (p + e.getKey()).toLowerCase(Locale.ROOT);
                Set<String> present = columns.get(wanted);
                if (present == null) {
                    problems.add("table " + wanted + " is missing");
                    continue;
                }
                for (String col : e.getValue()) {
                    if (!present.contains(col.toLowerCase(Locale.ROOT))) {
                        problems.add("column " + wanted + "." + col.toLowerCase(Locale.ROOT) + " is missing");
                    }
                }
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot read database metadata: " + ex.getMessage(), ex);
        }
        return problems;
    }

    /** Whether a table with that (full, prefixed) name exists, ignoring case. */
    public static boolean tableExists(Connection c, String fullTableName) {
        try {
            return columnsOf(c, List.of(fullTableName)).containsKey(fullTableName.toLowerCase(Locale.ROOT));
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot read database metadata: " + ex.getMessage(), ex);
        }
    }

    /**
     * The Moodle tables and columns ent-sync reads or writes (unprefixed table names). The returned
     * map and sets are unmodifiable and iterate in a stable order.
     */
    public static Map<String, Set<String>> coreRequirements() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        put(m, "config", "id", "name", "value");
        put(m, "mnet_host", "id", "deleted", "wwwroot", "name");
        put(m, "user", "id", "auth", "confirmed", "deleted", "suspended", "mnethostid", "username", "idnumber",
                "firstname", "lastname", "email", "institution", "department", "lang", "country", "timezone",
                "timecreated", "timemodified", "password", "city", "picture");
        put(m, "context", "id", "contextlevel", "instanceid", "path", "depth", "locked");
        put(m, "cohort", "id", "contextid", "name", "idnumber", "description", "descriptionformat", "visible",
                "component", "timecreated", "timemodified");
        put(m, "cohort_members", "id", "cohortid", "userid", "timeadded");
        put(m, "role", "id", "name", "shortname", "sortorder", "archetype");
        put(m, "role_assignments", "id", "roleid", "contextid", "userid", "timemodified", "modifierid",
                "component", "itemid", "sortorder");
        put(m, "course_categories", "id", "name", "idnumber", "parent", "sortorder", "visible", "depth", "path");
        put(m, "course", "id", "category", "sortorder", "fullname", "shortname", "idnumber", "format", "visible");
        put(m, "enrol", "id", "enrol", "status", "courseid", "sortorder", "name", "roleid", "customint1",
                "customint2", "timecreated", "timemodified");
        put(m, "user_enrolments", "id", "status", "enrolid", "userid", "timestart", "timeend", "modifierid",
                "timecreated", "timemodified");
        put(m, "groups", "id", "courseid", "idnumber", "name", "description", "descriptionformat",
                "timecreated", "timemodified");
        put(m, "groups_members", "id", "groupid", "userid", "timeadded", "component", "itemid");
        put(m, "groupings", "id", "courseid", "name", "idnumber", "timecreated", "timemodified");
        put(m, "groupings_groups", "id", "groupingid", "groupid", "timeadded");
        put(m, "user_info_category", "id", "name", "sortorder");
        put(m, "user_info_field", "id", "shortname", "name", "datatype", "categoryid", "sortorder");
        put(m, "user_info_data", "id", "userid", "fieldid", "data", "dataformat");
        put(m, "cache_flags", "id", "flagtype", "name", "value", "expiry", "timemodified");
        return Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, Set<String>> m, String table, String... columns) {
        m.put(table, Collections.unmodifiableSet(new LinkedHashSet<>(List.of(columns))));
    }

    /** The columns (lower case) of these tables of the current schema that exist, by lower-case table name: one query. */
    private static Map<String, Set<String>> columnsOf(Connection c, List<String> tables) throws SQLException {
        String schema = switch (Dialect.fromJdbcUrl(c.getMetaData().getURL())) {
            case POSTGRESQL -> "current_schema()";
            case MARIADB -> "DATABASE()";
            case H2 -> "CURRENT_SCHEMA";
        };
        Map<String, Set<String>> out = new HashMap<>();
        List<String> lower = tables.stream().map(t -> t.toLowerCase(Locale.ROOT)).distinct().toList();
        Sql.queryIn(c, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = " + schema
                        + " AND LOWER(table_name) IN " + Sql.IN_LIST,
                lower, rs -> out.computeIfAbsent(rs.getString(1).toLowerCase(Locale.ROOT), t -> new LinkedHashSet<>()).add(rs.getString(2).toLowerCase(Locale.ROOT)));
        return out;
    }
}
