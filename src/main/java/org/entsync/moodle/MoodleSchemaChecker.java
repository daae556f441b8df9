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
 * ({@code pg_catalog} on PostgreSQL, see {@link #POSTGRESQL_COLUMNS}; only the tables asked for: {@link DatabaseMetaData#getColumns} read every column of the ~450 tables of a real
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
        return missing(columns(c, requiredColumnsByTable.keySet().stream().map(t -> p + t).toList()), prefix, requiredColumnsByTable);
    }

    /** As {@link #missing(Connection, String, Map)}, from the {@link #columns} read already (of these tables, at least). */
    public static List<String> missing(Map<String, Set<String>> columns, String prefix, Map<String, Set<String>> requiredColumnsByTable) {
        String p = prefix == null ? "" : prefix;
        List<String> problems = new ArrayList<>();
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
        return problems;
    }

    /** Whether a table with that (full, prefixed) name exists, ignoring case. */
    public static boolean tableExists(Connection c, String fullTableName) {
        return columns(c, List.of(fullTableName)).containsKey(fullTableName.toLowerCase(Locale.ROOT));
    }

    /**
     * The columns (lower case) of those of these tables (full names) that exist in the current schema, by lower-case
     * table name: one query, so that a run looks at the schema once.
     *
     * @throws IllegalStateException if the metadata cannot be read
     */
    public static Map<String, Set<String>> columns(Connection c, List<String> tables) {
        try {
            return columnsOf(c, tables);
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

    /**
     * PostgreSQL: from pg_catalog, whose plain tables answer in ~3 ms on a new connection where the view
     * information_schema.columns (privilege checks, type names) took 7–26 ms, at the start of every run.
     */
    private static final String POSTGRESQL_COLUMNS = "SELECT t.relname, a.attname FROM pg_catalog.pg_class t "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid "
            + "WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
            + "AND LOWER(t.relname) IN " + Sql.IN_LIST;

    private static Map<String, Set<String>> columnsOf(Connection c, List<String> tables) throws SQLException {
        String query = switch (Dialect.fromJdbcUrl(c.getMetaData().getURL())) {
            case POSTGRESQL -> POSTGRESQL_COLUMNS;
            case MARIADB -> informationSchema("DATABASE()");
            case H2 -> informationSchema("CURRENT_SCHEMA");
        };
        Map<String, Set<String>> out = new HashMap<>();
        List<String> lower = tables.stream().map(t -> t.toLowerCase(Locale.ROOT)).distinct().toList();
        Sql.queryIn(c, query, lower,
                rs -> out.computeIfAbsent(rs.getString(1).toLowerCase(Locale.ROOT), t -> new LinkedHashSet<>()).add(rs.getString(2).toLowerCase(Locale.ROOT)));
        return out;
    }

    private static String informationSchema(String schema) {
        return "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = " + schema + " AND LOWER(table_name) IN " + Sql.IN_LIST;
    }
}
