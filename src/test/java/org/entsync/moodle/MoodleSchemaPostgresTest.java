package org.entsync.moodle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Moodle schema on the local PostgreSQL server (127.0.0.1:5432, postgres). */
class MoodleSchemaPostgresTest extends MoodleSchemaTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Test
    void keyColumnsHaveMoodlesTypesNullabilityAndDefaults() {
        // table, column, type, NOT NULL, default as PostgreSQL reports it (null = none)
        assertColumn("user", "confirmed", "smallint", true, "0");
        assertColumn("user", "mnethostid", "bigint", true, "0");
        assertColumn("user", "username", "character varying(100)", true, "''::character varying");
        assertColumn("cohort", "descriptionformat", "smallint", true, null);
        assertColumn("user_enrolments", "timeend", "bigint", true, "2147483647");
        assertColumn("context", "path", "character varying(255)", false, null);
        assertColumn("user", "id", "bigint", true, "nextval('mdl_user_id_seq'::regclass)");
        assertColumn("config", "value", "text", true, null);
        assertColumn("course", "newsitems", "integer", true, "1");
    }

    @Test
    void contextPathHasAPatternOpsIndex() {
        List<Map<String, Object>> r = rows("SELECT indexdef FROM pg_indexes WHERE tablename = 'mdl_context'"
                + " AND indexname = 'mdl_context_path_ix_pattern'");
        assertEquals(1, r.size());
        assertEquals(true, String.valueOf(r.get(0).get("indexdef")).contains("varchar_pattern_ops"));
    }

    private void assertColumn(String table, String column, String type, boolean notNull, String dflt) {
        List<Map<String, Object>> r = rows("SELECT data_type, character_maximum_length, is_nullable, column_default"
                + " FROM information_schema.columns WHERE table_schema = current_schema()"
                + " AND table_name = ? AND column_name = ?", PREFIX + table, column);
        assertEquals(1, r.size(), table + "." + column);
        Map<String, Object> c = r.get(0);
        String actualType = String.valueOf(c.get("data_type"))
                + (c.get("character_maximum_length") == null ? "" : "(" + c.get("character_maximum_length") + ")");
        String where = PREFIX + table + "." + column;
        assertEquals(type, actualType, where + " type");
        assertEquals(notNull ? "NO" : "YES", c.get("is_nullable"), where + " nullability");
        assertEquals(dflt, c.get("column_default"), where + " default");
    }
}
