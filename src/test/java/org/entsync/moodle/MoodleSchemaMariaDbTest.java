package org.entsync.moodle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Moodle schema on the local MariaDB server (127.0.0.1:3306, root). */
class MoodleSchemaMariaDbTest extends MoodleSchemaTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }

    @Test
    void tablesAreInnoDbUtf8mb4Dynamic() {
        Map<String, Object> t = rows("SELECT engine, table_collation, row_format FROM information_schema.tables"
                + " WHERE table_schema = DATABASE() AND table_name = 'mdl_user'").get(0);
        assertEquals("InnoDB", t.get("engine"));
        assertEquals("utf8mb4_unicode_ci", t.get("table_collation"));
        assertEquals("Dynamic", t.get("row_format"));
    }

    @Test
    void integerTypesFollowXmldbLengths() {
        assertEquals("tinyint(1)", columnType("user", "confirmed"));
        assertEquals("bigint(10)", columnType("user", "mnethostid"));
        assertEquals("tinyint(2)", columnType("cohort", "descriptionformat"));
        assertEquals("mediumint(5)", columnType("course", "newsitems"));
        assertEquals("smallint(4)", columnType("course", "groupmode"));
        assertEquals("longtext", columnType("config", "value"));
        assertEquals("decimal(12,7)", columnType("enrol", "customdec1"));
    }

    private String columnType(String table, String column) {
        return String.valueOf(rows("SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE()"
                + " AND table_name = ? AND column_name = ?", PREFIX + table, column).get(0).get("column_type"));
    }
}
