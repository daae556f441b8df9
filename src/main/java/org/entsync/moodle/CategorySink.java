package org.entsync.moodle;

import org.entsync.diff.IndexRow;
import org.entsync.diff.PendingChange;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One course category per school (idnumber = UAI), created as core_course_category::create() builds it: under the
 * configured parent, {@code path} from category ids, {@code depth}, a sortorder after the others, and its context
 * (level 40) whose path extends the parent's context path. Renamed when the school is; never deleted.
 */
public final class CategorySink {
    public static final String ENTITY = "categories";
    /** Moodle's MAX_COURSES_IN_CATEGORY: categories' sortorders are spaced by it. */
    private static final long SORT_STEP = 10000;

    private final TargetDatabase target;

    public CategorySink(TargetDatabase target) {
        this.target = target;
    }

    private record Parent(long id, String path, long depth, long contextId, String contextPath, long contextDepth) {
    }

    public void write(Connection c, List<PendingChange> changes, long runId, EntityReport report, CategoryDirectory categories, boolean dryRun) throws SQLException {
        Sql sql = target.sql();
        long now = System.currentTimeMillis() / 1000;
        Parent parent = parent(c);
        List<IndexRow> index = new ArrayList<>();
        List<Runnable> reports = new ArrayList<>();
        for (PendingChange ch : changes) {
            String uai = ch.record().key();
            String name = ch.record().value("name");
            long id = 0;
            String oldName = null;
            try (PreparedStatement ps = c.prepareStatement(sql.q("SELECT id, name FROM {course_categories} WHERE " + (ch.index() != null && ch.index().moodleId() > 0 ? "id = ?" : "idnumber = ?") + " ORDER BY id"))) {
                if (ch.index() != null && ch.index().moodleId() > 0) ps.setLong(1, ch.index().moodleId());
                else ps.setString(1, uai);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        id = rs.getLong(1);
                        oldName = rs.getString(2);
                    }
                }
            }
            if (id == 0) {
                id = insert(c, uai, name, parent, now);
                long catId = id;
                reports.add(() -> report.change(Count.created, uai, catId, Map.of("name", java.util.Arrays.asList(null, name)), null));
            } else if (!name.equals(oldName)) {
                Sql.update(c, sql.q("UPDATE {course_categories} SET name = ?, timemodified = ? WHERE id = ?"), name, now, id);
                long catId = id;
                String before = oldName;
                reports.add(() -> report.change(Count.updated, uai, catId, Map.of("name", List.of(before, name)), null));
            } else {
                reports.add(() -> report.add(Count.unchanged, 1));
            }
            categories.forget(uai);
            index.add(new IndexRow(uai, ch.record().hash(), id, IndexRow.ACTIVE, runId));
        }
        target.index().upsert(c, ENTITY, index, runId, now);
        if (dryRun) c.rollback();
        else c.commit();
        reports.forEach(Runnable::run);
    }

    private Parent parent(Connection c) throws SQLException {
        MoodleSite site = target.site();
        long pid = target.parentCategoryId();
        if (pid == 0) return new Parent(0, "", 0, site.systemContextId(), site.systemContextPath(), site.systemContextPath().split("/").length - 1);
        try (PreparedStatement ps = c.prepareStatement(target.sql().q("SELECT cc.path, cc.depth, x.id, x.path, x.depth FROM {course_categories} cc "
                + "JOIN {context} x ON x.contextlevel = 40 AND x.instanceid = cc.id WHERE cc.id = ?"))) {
            ps.setLong(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new SQLException("the parent category " + pid + " has no context");
                return new Parent(pid, rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5));
            }
        }
    }

    private long insert(Connection c, String uai, String name, Parent p, long now) throws SQLException {
        Sql sql = target.sql();
        long sort = Sql.longValue(c, sql.q("SELECT COALESCE(MAX(sortorder), 0) FROM {course_categories}")) + SORT_STEP;
        Sql.update(c, sql.q("INSERT INTO {course_categories} (name, idnumber, description, descriptionformat, parent, sortorder, coursecount, visible, "
                + "visibleold, timemodified, depth, path, theme) VALUES (?, ?, NULL, 0, ?, ?, 0, 1, 1, ?, ?, '', NULL)"), name, uai, p.id(), sort, now, p.depth() + 1);
        long id = Sql.longValue(c, sql.q("SELECT MAX(id) FROM {course_categories} WHERE idnumber = ? AND path = ''"), uai);
        Sql.update(c, sql.q("UPDATE {course_categories} SET path = ? WHERE id = ?"), p.path() + "/" + id, id);
        Sql.update(c, sql.q("INSERT INTO {context} (contextlevel, instanceid, depth, path, locked) VALUES (40, ?, 0, NULL, 0)"), id);
        long ctx = Sql.longValue(c, sql.q("SELECT id FROM {context} WHERE contextlevel = 40 AND instanceid = ?"), id);
        Sql.update(c, sql.q("UPDATE {context} SET path = ?, depth = ? WHERE id = ?"), p.contextPath() + "/" + ctx, p.contextDepth() + 1, ctx);
        return id;
    }
}
