package org.entsync.testsupport;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A result read into maps, for assertions: lower-case column labels in column order, CLOBs (H2's text) as strings. */
public final class Rows {
    private Rows() {
    }

    public static List<Map<String, Object>> read(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                Object v = rs.getObject(i);
                if (v instanceof java.sql.Clob clob) v = clob.getSubString(1, (int) clob.length());
                row.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), v);
            }
            out.add(row);
        }
        return out;
    }
}
