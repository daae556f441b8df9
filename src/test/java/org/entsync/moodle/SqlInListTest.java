package org.entsync.moodle;

import org.entsync.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IN lists longer than a chunk: every value is asked, leading arguments bound before each chunk. */
class SqlInListTest {

    @Test
    void queriesAndUpdatesGoThroughEveryChunk() throws Exception {
        try (TestDatabase db = TestDatabase.create(Dialect.H2, "inlist");
             Connection c = db.dataSource().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, kind VARCHAR(8) NOT NULL, n BIGINT NOT NULL)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, kind, n) VALUES (?, ?, 0)")) {
                for (long i = 1; i <= 2_600; i++) {
                    Sql.bind(ps, i, i % 2 == 0 ? "even" : "odd");
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<Long> ids = LongStream.rangeClosed(1, 2_500).boxed().toList(); // three chunks
            List<Long> found = new ArrayList<>();
            Sql.queryIn(c, "SELECT id FROM t WHERE kind = ? AND id IN " + Sql.IN_LIST + " ORDER BY id", ids, rs -> found.add(rs.getLong(1)), "even");
            assertEquals(LongStream.rangeClosed(1, 1_250).map(i -> i * 2).boxed().toList(), found);

            assertEquals(1_250, Sql.updateIn(c, "UPDATE t SET n = ? WHERE kind = ? AND id IN " + Sql.IN_LIST, ids, 7L, "odd"));
            assertEquals(1_250, Sql.longValue(c, "SELECT COUNT(*) FROM t WHERE n = 7"));
            assertEquals(0, Sql.updateIn(c, "DELETE FROM t WHERE id IN " + Sql.IN_LIST, List.of()), "no value, no statement");
            assertThrows(IllegalArgumentException.class, () -> Sql.updateIn(c, "DELETE FROM t WHERE id = ?", ids));
        }
    }
}
