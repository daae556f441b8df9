package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.config.SyncConfig;
import org.entsync.moodle.CategorySink;
import org.entsync.moodle.CohortSink;
import org.entsync.moodle.GroupSink;
import org.entsync.moodle.RoleSink;
import org.entsync.moodle.UserSink;

import java.sql.Connection;
import java.sql.SQLException;

/** Write stage: hands the page's changes to the entity's JDBC sink, one transaction per page. */
public final class WriteStage {

    /** The route's filter: whether the diff left anything to write. */
    public boolean worthWriting(PendingPage page) {
        return page.isWorthWriting();
    }

    public void write(PendingPage page, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) throws SQLException {
        long t0 = System.nanoTime();
        // writers work side by side (a batch's users beside the last batch's cohorts, roles and groups)
        org.entsync.moodle.Sql.retryOnDeadlock(entity, () -> writeOnce(page, run, entity));
        // the tables grow with the accounts and categories created (a derived record has no index row to tell new from changed)
        if (!run.options().dryRun() && RunControl.primary(entity)) run.target().entriesCreated(page.changes().stream().filter(p -> p.index() == null).count());
        run.report(RunOptions.indexEntityOf(entity)).time("write", (System.nanoTime() - t0) / 1_000_000);
    }

    private void writeOnce(PendingPage page, RunContext run, String entity) throws SQLException {
        boolean dry = run.options().dryRun();
        try (Connection c = run.target().connection()) {
            switch (entity) {
                case UserSink.ENTITY -> run.sink(entity, () -> new UserSink(run.target(), run.config().users(), run.mapping(entity), dry))
                        .write(c, page.changes(), run.runId(), run.report(RunOptions.indexEntityOf(entity)));
                case CategorySink.ENTITY -> run.sink(entity, () -> new CategorySink(run.target()))
                        .write(c, page.changes(), run.runId(), run.report(RunOptions.indexEntityOf(entity)), run.categories(), dry);
                case "cohorts" -> cohortSink(run).write(c, page.page().definitions(), page.changes(), run.runId(),
                        run.report(CohortSink.DEFINITIONS), run.report(CohortSink.MEMBERS));
                case "roles" -> roleSink(run).write(c, page.changes(), run.runId(), run.report(RunOptions.indexEntityOf(entity)));
                case "groups" -> groupSink(run).writeKeys(c, page.changes(), run.runId(), run.report(GroupSink.KEYS));
                default -> throw new IllegalStateException("no writer for entity " + entity);
            }
        }
    }

    /** The run's cohort sink (also when cohorts are not synced in this run: the users' removal takes their owned memberships). */
    static CohortSink cohortSink(RunContext run) {
        SyncConfig.Owned owned = run.config().owned();
        return run.sink("cohorts", () -> new CohortSink(run.target(), owned.cohortComponent(), owned.cohortYearPrefix(),
                run.mappings().cohorts() != null && run.mappings().cohorts().systemContext(), run.categories(), run.options().dryRun()));
    }

    static GroupSink groupSink(RunContext run) {
        return run.sink("groups", () -> new GroupSink(run.target(), run.mappings().groups(), run.config().groups(), run.config().removal().policy(),
                run.categories(), uai -> {
                    org.entsync.ldap.Structure s = run.structures().resolve(uai, "uai");
                    return s == null || s.name() == null ? uai : s.name();
                }, run.options().dryRun()));
    }

    static RoleSink roleSink(RunContext run) {
        return run.sink("roles", () -> new RoleSink(run.target(), run.config().owned().roleComponent(), run.categories(), run.options().dryRun()));
    }
}
