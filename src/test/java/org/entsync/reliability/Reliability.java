package org.entsync.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Helpers of the reliability suite: a digest of every table ent-sync writes (ids and timestamps left out, ids
 * replaced by the usernames they point to), the index/Moodle agreement check, a full dump for "writes nothing"
 * checks, and the child JVM that runs {@code org.entsync.cli.EntSync} so that it can be killed with SIGKILL.
 */
final class Reliability {
    static final String PREFIX = "mdl_";
    /** Columns that legitimately differ between two runs of the same content. */
    private static final Set<String> VOLATILE = Set.of("id", "timecreated", "timemodified", "firstaccess", "lastaccess",
            "lastlogin", "currentlogin", "lastseen", "expiry", "categoryid", "fieldid", "userid", "moodleid", "instanceid");

    private Reliability() {
    }

    /** The content of every table ent-sync writes, table → sorted rows, comparable between two databases. */
    static Map<String, List<String>> digest(DataSource ds) {
        Map<String, List<String>> d = new TreeMap<>();
        try (Connection c = ds.getConnection()) {
            Map<Long, String> usernames = new HashMap<>();
            for (Map<String, Object> r : rows(c, "SELECT id, username FROM " + PREFIX + "user")) {
                usernames.put(((Number) r.get("id")).longValue(), String.valueOf(r.get("username")));
            }
            String sysPath = String.valueOf(rows(c, "SELECT path FROM " + PREFIX + "context WHERE contextlevel = 10").get(0).get("path"));
            Map<Long, String> categories = new HashMap<>();
            for (Map<String, Object> r : rows(c, "SELECT id, idnumber FROM " + PREFIX + "course_categories")) {
                categories.put(((Number) r.get("id")).longValue(), String.valueOf(r.get("idnumber")));
            }
            Map<Long, String> cohorts = new HashMap<>();
            for (Map<String, Object> r : rows(c, "SELECT id, idnumber FROM " + PREFIX + "cohort")) {
                cohorts.put(((Number) r.get("id")).longValue(), String.valueOf(r.get("idnumber")));
            }
            Map<Long, String> roles = new HashMap<>();
            for (Map<String, Object> r : rows(c, "SELECT id, shortname FROM " + PREFIX + "role")) {
                roles.put(((Number) r.get("id")).longValue(), String.valueOf(r.get("shortname")));
            }
            Map<Long, String> contextOwner = new HashMap<>();
            d.put("user", render(rows(c, "SELECT * FROM " + PREFIX + "user"), Map.of()));
            List<String> ctx = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT id, contextlevel, instanceid, path, depth, locked FROM " + PREFIX + "context")) {
                long id = ((Number) r.get("id")).longValue();
                long level = ((Number) r.get("contextlevel")).longValue();
                long instance = ((Number) r.get("instanceid")).longValue();
                String owner = level == 30 ? "user:" + usernames.get(instance) : level == 40 ? "category:" + categories.get(instance) : "instance:" + instance;
                contextOwner.put(id, "level=" + level + " " + owner);
                String path = String.valueOf(r.get("path"));
                String pathOk = path.equals(sysPath + "/" + id) ? "<system>/<own id>" : path.equals(sysPath) && level == 10 ? "<system>" : "BAD " + path;
                ctx.add("level=" + level + " " + owner + " path=" + pathOk + " depth=" + r.get("depth") + " locked=" + norm(r.get("locked")));
            }
            ctx.sort(null);
            d.put("context", ctx);
            List<String> cats = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT id, name, idnumber, parent, depth, path, sortorder, visible FROM " + PREFIX + "course_categories")) {
                long id = ((Number) r.get("id")).longValue();
                String path = String.valueOf(r.get("path"));
                String parent = ((Number) r.get("parent")).longValue() == 0 ? "top" : "category:" + categories.get(((Number) r.get("parent")).longValue());
                cats.add(r.get("idnumber") + " " + r.get("name") + " parent=" + parent + " depth=" + r.get("depth") + " path=" + (path.endsWith("/" + id) ? "<...>/<own id>" : "BAD " + path)
                        + " visible=" + norm(r.get("visible")));
            }
            cats.sort(null);
            d.put("course_categories", cats);
            List<String> coh = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT idnumber, name, component, visible, contextid FROM " + PREFIX + "cohort")) {
                coh.add(r.get("idnumber") + " " + r.get("name") + " component=" + r.get("component") + " visible=" + norm(r.get("visible"))
                        + " context=" + contextOwner.get(((Number) r.get("contextid")).longValue()));
            }
            coh.sort(null);
            d.put("cohort", coh);
            List<String> members = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT cohortid, userid FROM " + PREFIX + "cohort_members")) {
                members.add(cohorts.get(((Number) r.get("cohortid")).longValue()) + " " + usernames.get(((Number) r.get("userid")).longValue()));
            }
            members.sort(null);
            d.put("cohort_members", members);
            List<String> owned = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT userid, cohortids FROM " + PREFIX + "entsync_usercohorts")) {
                for (String id : String.valueOf(r.get("cohortids")).split(",")) {
                    // ids of cohorts deleted since stay until the user's row is next written: not a difference
                    if (!id.isEmpty() && cohorts.containsKey(Long.parseLong(id))) {
                        owned.add(cohorts.get(Long.parseLong(id)) + " " + usernames.get(((Number) r.get("userid")).longValue()));
                    }
                }
            }
            owned.sort(null);
            d.put("entsync_usercohorts", owned);
            List<String> ras = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT roleid, contextid, userid, component, itemid FROM " + PREFIX + "role_assignments")) {
                ras.add(roles.get(((Number) r.get("roleid")).longValue()) + " " + contextOwner.get(((Number) r.get("contextid")).longValue()) + " "
                        + usernames.get(((Number) r.get("userid")).longValue()) + " component=" + r.get("component") + " itemid=" + r.get("itemid"));
            }
            ras.sort(null);
            d.put("role_assignments", ras);
            d.put("user_info_data", render(rows(c, "SELECT u.username, f.shortname, d.data, d.dataformat FROM " + PREFIX + "user_info_data d JOIN "
                    + PREFIX + "user u ON u.id = d.userid JOIN " + PREFIX + "user_info_field f ON f.id = d.fieldid"), Map.of()));
            d.put("user_info_field", render(rows(c, "SELECT f.*, c.name AS categoryname FROM " + PREFIX + "user_info_field f LEFT JOIN "
                    + PREFIX + "user_info_category c ON c.id = f.categoryid"), Map.of()));
            d.put("user_info_category", render(rows(c, "SELECT name, sortorder FROM " + PREFIX + "user_info_category"), Map.of()));
            // cache_flags: reduced to the set of flags (type + the user it names), expiry and times left out
            Set<String> flags = new TreeSet<>();
            for (Map<String, Object> r : rows(c, "SELECT flagtype, name, value FROM " + PREFIX + "cache_flags")) {
                String name = String.valueOf(r.get("name"));
                if ("accesslib/dirtyusers".equals(r.get("flagtype")) && name.matches("\\d+")) name = "user:" + usernames.get(Long.parseLong(name));
                flags.add(r.get("flagtype") + " " + name + " value=" + r.get("value"));
            }
            d.put("cache_flags", new ArrayList<>(flags));
            List<String> index = new ArrayList<>();
            for (Map<String, Object> r : rows(c, "SELECT instance, entity, ekey, hash, moodleid, state FROM " + PREFIX + "entsync_index")) {
                long id = ((Number) r.get("moodleid")).longValue();
                String entity = String.valueOf(r.get("entity"));
                String target = id == 0 ? "0" : entity.equals("categories") ? "category:" + categories.get(id)
                        : entity.equals("cohorts") ? "cohort:" + cohorts.get(id) : "user:" + usernames.get(id);
                index.add(r.get("instance") + " " + entity + " " + r.get("ekey") + " " + r.get("hash") + " " + r.get("state") + " -> " + target);
            }
            index.sort(null);
            d.put("entsync_index", index);
        } catch (SQLException e) {
            throw new IllegalStateException("digest: " + e.getMessage(), e);
        }
        return d;
    }

    /** Empty when equal, else the first differing rows of each table (only in actual / only in expected). */
    static String compare(Map<String, List<String>> expected, Map<String, List<String>> actual) {
        StringBuilder b = new StringBuilder();
        for (String table : expected.keySet()) {
            List<String> e = expected.get(table);
            List<String> a = actual.getOrDefault(table, List.of());
            if (e.equals(a)) continue;
            List<String> onlyA = new ArrayList<>(a);
            e.forEach(onlyA::remove);
            List<String> onlyE = new ArrayList<>(e);
            a.forEach(onlyE::remove);
            b.append(table).append(": ").append(a.size()).append(" rows vs ").append(e.size()).append(" in the reference\n");
            onlyA.stream().limit(5).forEach(r -> b.append("   + ").append(r).append('\n'));
            onlyE.stream().limit(5).forEach(r -> b.append("   - ").append(r).append('\n'));
        }
        return b.toString();
    }

    /**
     * Every way the index and Moodle could disagree: an active index row whose Moodle id is not a live user with
     * that username, a synced user without exactly one well-formed user context, a synced user the index does not
     * know, a synced user without all the profile fields.
     */
    static List<String> indexProblems(DataSource ds) {
        List<String> p = new ArrayList<>();
        try (Connection c = ds.getConnection()) {
            String u = PREFIX + "user", ix = PREFIX + "entsync_index", ctx = PREFIX + "context";
            for (Map<String, Object> r : rows(c, "SELECT i.ekey, i.moodleid, x.username, x.deleted FROM " + ix + " i LEFT JOIN " + u
                    + " x ON x.id = i.moodleid WHERE i.entity = 'users' AND i.state = 'active'")) {
                if (r.get("username") == null || !r.get("ekey").equals(r.get("username")) || norm(r.get("deleted")).equals("1")) {
                    p.add("index row " + r.get("ekey") + " -> moodle id " + r.get("moodleid") + " is user " + r.get("username") + " deleted=" + r.get("deleted"));
                }
            }
            String sysPath = String.valueOf(rows(c, "SELECT path FROM " + ctx + " WHERE contextlevel = 10").get(0).get("path"));
            for (Map<String, Object> r : rows(c, "SELECT x.id, x.username, COUNT(c.id) AS n, MIN(c.id) AS cid, MIN(c.path) AS path, MIN(c.depth) AS depth FROM "
                    + u + " x LEFT JOIN " + ctx + " c ON c.contextlevel = 30 AND c.instanceid = x.id WHERE x.auth = 'cas' GROUP BY x.id, x.username")) {
                long n = ((Number) r.get("n")).longValue();
                if (n != 1) {
                    p.add("user " + r.get("username") + " has " + n + " user contexts");
                } else if (!(sysPath + "/" + r.get("cid")).equals(r.get("path")) || ((Number) r.get("depth")).longValue() != sysPath.split("/").length) {
                    p.add("user " + r.get("username") + " has context path " + r.get("path") + " depth " + r.get("depth"));
                }
            }
            for (Map<String, Object> r : rows(c, "SELECT x.username FROM " + u + " x WHERE x.auth = 'cas' AND NOT EXISTS (SELECT 1 FROM " + ix
                    + " i WHERE i.entity = 'users' AND i.moodleid = x.id)")) {
                p.add("user " + r.get("username") + " is not in the index (half-written page?)");
            }
            long fields = ((Number) rows(c, "SELECT COUNT(*) AS n FROM " + PREFIX + "user_info_field").get(0).get("n")).longValue();
            for (Map<String, Object> r : rows(c, "SELECT x.username, COUNT(d.id) AS n FROM " + u + " x LEFT JOIN " + PREFIX
                    + "user_info_data d ON d.userid = x.id WHERE x.auth = 'cas' GROUP BY x.username")) {
                if (((Number) r.get("n")).longValue() != fields) p.add("user " + r.get("username") + " has " + r.get("n") + " of " + fields + " profile fields");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("index check: " + e.getMessage(), e);
        }
        return p;
    }

    /** Every row of every table of the database (no column left out): for "a dry run writes nothing". */
    static Map<String, List<String>> dumpAll(DataSource ds) {
        Map<String, List<String>> d = new TreeMap<>();
        try (Connection c = ds.getConnection()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, "%", new String[]{"TABLE"})) {
                while (rs.next()) {
                    String schema = rs.getString("TABLE_SCHEM");
                    String t = rs.getString("TABLE_NAME");
                    if (t.toLowerCase(Locale.ROOT).startsWith(PREFIX) && (schema == null || !schema.equalsIgnoreCase("information_schema"))) tables.add(t);
                }
            }
            for (String t : tables) {
                List<String> out = new ArrayList<>();
                for (Map<String, Object> r : rows(c, "SELECT * FROM " + t)) out.add(r.toString());
                out.sort(null);
                d.put(t.toLowerCase(Locale.ROOT), out);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("dump: " + e.getMessage(), e);
        }
        return d;
    }

    /** Removes everything a sync wrote, so that the next run is again a first full sync (seed rows stay). */
    static void wipeSyncedState(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.executeUpdate("DELETE FROM " + PREFIX + "context WHERE (contextlevel = 30 AND instanceid > 2) OR contextlevel = 40");
            st.executeUpdate("DELETE FROM " + PREFIX + "user WHERE id > 2");
            for (String t : List.of("user_info_data", "user_info_field", "user_info_category", "cache_flags", "entsync_index", "entsync_run",
                    "course_categories", "cohort", "cohort_members", "role_assignments")) {
                st.executeUpdate("DELETE FROM " + PREFIX + t);
            }
            for (String t : List.of("entsync_usercohorts", "entsync_classkey", "entsync_enrol", "entsync_lock")) {
                try {
                    st.executeUpdate("DELETE FROM " + PREFIX + t);
                } catch (SQLException e) {
                    // created by the first run: absent before it
                }
            }
        }
    }

    static long count(DataSource ds, String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.replace("{p}", PREFIX))) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static List<Map<String, Object>> query(DataSource ds, String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.replace("{p}", PREFIX))) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return rows(ps);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return rows(ps);
        }
    }

    private static List<Map<String, Object>> rows(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return org.entsync.testsupport.Rows.read(rs);
        }
    }

    private static List<String> render(List<Map<String, Object>> rows, Map<String, String> rename) {
        List<String> out = new ArrayList<>(rows.size());
        for (Map<String, Object> r : rows) {
            StringBuilder b = new StringBuilder();
            r.forEach((k, v) -> {
                if (!VOLATILE.contains(k)) b.append(rename.getOrDefault(k, k)).append('=').append(norm(v)).append(' ');
            });
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    private static String norm(Object v) {
        if (v instanceof Boolean bo) return bo ? "1" : "0";
        if (v instanceof Number n) return n.toString();
        return v == null ? "NULL" : "'" + v + "'";
    }

    // ---------------------------------------------------------------------------------------------------------

    /** {@code java -cp <test classpath> [props] org.entsync.cli.EntSync <args> --set k=v ...}, output to {@code log}. */
    static ProcessBuilder child(List<String> args, Map<String, String> settings, Map<String, String> systemProperties, Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("org.entsync.cli.EntSync");
        cmd.addAll(args);
        settings.forEach((k, v) -> {
            cmd.add("--set");
            cmd.add(k + "=" + v);
        });
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("").toAbsolutePath().toFile()).redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb;
    }

    /** The JSON report of a run: {@code reports/<instance>/<date>-run<id>.json}. */
    static Path reportJson(Path reportsDir, String instance, long runId) {
        try (var files = java.nio.file.Files.list(reportsDir.resolve(instance))) {
            return files.filter(f -> f.getFileName().toString().matches("\\d{8}-\\d{6}-run" + runId + "\\.json")).findFirst()
                    .orElse(reportsDir.resolve(instance).resolve("missing-run" + runId + ".json"));
        } catch (java.io.IOException e) {
            return reportsDir.resolve(instance).resolve("missing-run" + runId + ".json");
        }
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e + ")";
        }
    }
}
