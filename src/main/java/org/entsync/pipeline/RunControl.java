package org.entsync.pipeline;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.entsync.moodle.Sql;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Opens and closes a run: its row in {@code <prefix>entsync_run} (which gives the run id) and its outcome. */
public final class RunControl {
    private static final Logger LOG = LoggerFactory.getLogger(RunControl.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    public void begin(@ExchangeProperty("run") RunContext run) throws SQLException {
        TargetDatabase t = run.target();
        RunReport r = run.report();
        if (run.options().dryRun()) {
            // a dry run writes nothing, not even its history row: it borrows the next run id (removal candidates are
            // the rows last seen before it) and its report file gets a name of its own
            try (Connection c = t.connection()) {
                run.runId(Sql.longValue(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM " + t.sql().t("entsync_run")));
                c.rollback();
            }
            LOG.info("dry run of instance {} started ({}, {}), as run {}", r.instance, r.mode, r.trigger, run.runId());
            return;
        }
        try (Connection c = t.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.sql().t("entsync_run") + " (instance, runtrigger, mode, timestart, outcome) VALUES (?, ?, ?, ?, ?)",
                     new String[]{"id"})) {
            Sql.bind(ps, r.instance, r.trigger, r.mode, r.startedAt / 1000, "running");
            ps.executeUpdate();
            long id;
            try (ResultSet keys = ps.getGeneratedKeys()) {
                id = keys.next() ? keys.getLong(1) : Sql.longValue(c, "SELECT MAX(id) FROM " + t.sql().t("entsync_run") + " WHERE instance = ?", r.instance);
            }
            c.commit();
            run.runId(id);
        }
        LOG.info("run {} of instance {} started ({}, {})", run.runId(), r.instance, r.mode, r.trigger);
    }

    /** A failure that stopped the run (database lost, structures unreadable...): recorded, then reported. */
    public void failed(Exchange exchange, @ExchangeProperty("run") RunContext run) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Throwable root = e;
        while (root != null && root.getCause() != null && (root instanceof org.apache.camel.CamelExecutionException
                || root instanceof org.apache.camel.CamelExchangeException || root instanceof org.apache.camel.RuntimeCamelException)) {
            root = root.getCause();
        }
        String msg = root instanceof SQLException s ? "Moodle database: " + TargetDatabase.safeMessage(s) : String.valueOf(root == null ? null : root.getMessage());
        run.report().error = msg;
        LOG.error("run {} failed: {}", run.runId(), msg, root);
    }

    public void end(@ExchangeProperty("run") RunContext run) {
        RunReport r = run.report();
        r.endedAt = System.currentTimeMillis();
        r.sqlBatches = run.target().batches();
        Outcome o = Outcome.of(r);
        r.outcome = o.label;
        r.exitCode = o.exitCode;
        if (run.runId() == 0 || run.options().dryRun()) return;
        TargetDatabase t = run.target();
        try (Connection c = t.connection()) {
            Sql.update(c, "UPDATE " + t.sql().t("entsync_run") + " SET timeend = ?, outcome = ?, counts = ? WHERE id = ?",
                    r.endedAt / 1000, r.outcome, counts(r), run.runId());
            c.commit();
        } catch (SQLException e) {
            LOG.warn("could not record the end of run {}: {}", run.runId(), TargetDatabase.safeMessage(e));
        }
    }

    private static String counts(RunReport r) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        r.entities.forEach((k, v) -> m.put(k, v.getCounts()));
        try {
            return JSON.writeValueAsString(m);
        } catch (Exception e) {
            return "{}";
        }
    }
}
