package org.entsync.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.entsync.moodle.Sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Reads the run history table ({@code <prefix>entsync_run}) back as summaries, newest last. */
public final class RunHistory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunHistory() {
    }

    public static List<RunSummary> last(Connection c, Sql sql, String instance, int n) throws SQLException {
        List<RunSummary> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, runtrigger, mode, timestart, timeend, outcome, counts FROM " + sql.t("entsync_run")
                + " WHERE instance = ? ORDER BY id DESC")) {
            ps.setString(1, instance);
            ps.setMaxRows(n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long[] totals = totals(rs.getString(7));
                    out.add(new RunSummary(rs.getLong(1), instance, rs.getString(2), rs.getString(3), rs.getLong(4) * 1000, rs.getLong(5) * 1000,
                            rs.getString(6), totals[0], totals[1]));
                }
            }
        }
        Collections.reverse(out);
        return out;
    }

    /** [changes, failures] from the counts JSON the run row keeps. */
    static long[] totals(String countsJson) {
        long[] t = new long[2];
        if (countsJson == null || countsJson.isBlank()) return t;
        try {
            Map<String, Map<String, Long>> m = JSON.readValue(countsJson, new TypeReference<>() {
            });
            for (Map<String, Long> c : m.values()) {
                for (String k : List.of("created", "updated", "revived", "suspended", "deleted")) t[0] += c.getOrDefault(k, 0L);
                t[1] += c.getOrDefault("failed", 0L);
            }
        } catch (Exception e) {
            // an unreadable row only loses its totals in the chart
        }
        return t;
    }
}
