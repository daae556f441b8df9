package org.entsync.bench;

import java.util.Collections;
import java.util.List;

/**
 * One of the four Moodle tables the insert floor writes again into its scratch copy (prefix {@code fl_}): the columns
 * it inserts, which rows of the table are the first sync's (those of {@code where}, the last ones by id), and the row
 * the synthetic floor makes up instead (index i, time now) for {@code --floor-values synthetic}; noun names its rows in
 * the floor's outcome.
 */
record FloorTable(String table, String countKey, String noun, String where, List<String> columns, Synthetic synthetic) {

    interface Synthetic {
        Object[] row(long i, long now);
    }

    /** In the order the floor inserts them; countKey is the key of the first sync's written rows (Bench.counts). */
    static final List<FloorTable> ALL = List.of(
            new FloorTable("user", "user", "users", "", List.of("username", "idnumber", "firstname", "lastname", "email", "institution", "department",
                    "auth", "confirmed", "mnethostid", "password", "lang", "country", "timezone", "timecreated", "timemodified"),
                    (i, now) -> new Object[]{"f17" + i, "AC-DEMO$" + i, "Prénom" + i, "NOM" + i, "f17" + i + "@ent.invalid",
                            "CLG-VICTOR HUGO-ac-DEMO", "4EME A", "cas", 1, 1, "not cached", "fr", "FR", "99", now, now}),
            new FloorTable("context", "context(user)", "contexts", " WHERE contextlevel = 30", List.of("contextlevel", "instanceid", "depth", "path", "locked"),
                    (i, now) -> new Object[]{30, 1000 + i, 2, "/1/" + (1000 + i), 0}),
            new FloorTable("cohort_members", "cohort_members", "members", "", List.of("cohortid", "userid", "timeadded"),
                    (i, now) -> new Object[]{1 + i % 997, 1000 + i, now}),
            new FloorTable("role_assignments", "role_assignments", "roles", "", List.of("roleid", "contextid", "userid", "timemodified", "modifierid",
                    "component", "itemid", "sortorder"),
                    (i, now) -> new Object[]{5, 1 + i % 997, 1000 + i, now, 0, "local_entsync", 0, 0}));

    String insertSql(String prefix) {
        return "INSERT INTO " + prefix + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
    }

    String countSql(String prefix) {
        return "SELECT COUNT(*) FROM " + prefix + table + where;
    }

    /** The first sync's rows: parameters LIMIT (its count), OFFSET (the rows there before it). */
    String selectSql(String prefix) {
        return "SELECT " + String.join(", ", columns) + " FROM " + prefix + table + where + " ORDER BY id LIMIT ? OFFSET ?";
    }
}
