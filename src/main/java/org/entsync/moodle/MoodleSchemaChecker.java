package org.entsync.moodle;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks, through {@link DatabaseMetaData}, that a Moodle database has the tables and columns
 * ent-sync needs. Names are compared case-insensitively (PostgreSQL folds to lower case, H2 to
 * upper case, MariaDB keeps them as created). Only the connection's current catalog/schema is
 * looked at.
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
            Map<String, String> tables = tablesByLowerName(c);
            // the prefix as the database spells it (H2 keeps unquoted names in upper case)
            String anyTable = requiredColumnsByTable.keySet().stream().map(t -> tables.get((p + t).toLowerCase(Locale.ROOT)))
                    .filter(java.util.Objects::nonNull).findFirst().orElse(p);
            Map<String, Set<String>> columns = columnsLower(c, anyTable.substring(0, p.length()));
            for (Map.Entry<String, Set<String>> e : requiredColumnsByTable.entrySet()) {
                String wanted = (p + e.getKey()).toLowerCase(Locale.ROOT);
                String actual = tables.get(wanted);
                if (actual == null) {
                    problems.add("table " + wanted + " is missing");
                    continue;
                }
                Set<String> present = columns.getOrDefault(actual, Set.of());
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
            return tablesByLowerName(c).containsKey(fullTableName.toLowerCase(Locale.ROOT));
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot read database metadata: " + ex.getMessage(), ex);
        }
    }

    /** The actual (case-preserved) name of a table, if it exists. */
    public static Optional<String> actualTableName(Connection c, String fullTableName) {
        try {
            return Optional.ofNullable(tablesByLowerName(c).get(fullTableName.toLowerCase(Locale.ROOT)));
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

    /** lower-case name -> actual name, for the tables of the current catalog/schema. */
    private static Map<String, String> tablesByLowerName(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        Map<String, String> out = new HashMap<>();
        try (ResultSet rs = md.getTables(c.getCatalog(), currentSchema(c), "%", null)) {
            while (rs.next()) {
                String type = rs.getString("TABLE_TYPE");
                if (type != null && (type.equalsIgnoreCase("TABLE") || type.equalsIgnoreCase("BASE TABLE"))) {
                    String name = rs.getString("TABLE_NAME");
                    out.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
                }
            }
        }
        return out;
    }

    /** The columns (lower case) of every table whose name starts with the prefix, by actual table name: one metadata query. */
    private static Map<String, Set<String>> columnsLower(Connection c, String prefix) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        Map<String, Set<String>> out = new HashMap<>();
        try (ResultSet rs = md.getColumns(c.getCatalog(), currentSchema(c), escape(md, prefix) + "%", "%")) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString("TABLE_NAME"), t -> new LinkedHashSet<>()).add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static String currentSchema(Connection c) {
        try {
            return c.getSchema(); // PostgreSQL "public", H2 "PUBLIC", MariaDB null (catalog = database)
        } catch (SQLException | AbstractMethodError e) {
            return null;
        }
    }

    private static String escape(DatabaseMetaData md, String name) throws SQLException {
        String esc = md.getSearchStringEscape();
        if (esc == null || esc.isEmpty()) {
            return name;
        }
        return name.replace(esc, esc + esc).replace("_", esc + "_").replace("%", esc + "%");
    }
}
