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

    /** The LDAP sources of the run, in order, for the route's split. */
    public java.util.List<String> sources(@ExchangeProperty("run") RunContext run) {
        return run.getSources();
    }

    /** The entities fed by the current source, for the route's loops. */
    public java.util.List<String> entitiesOf(@ExchangeProperty("run") RunContext run, @org.apache.camel.Header("source") String source) {
        return run.entitiesOf(source);
    }

    /** Sets the "entity" header from the loop index. */
    public void selectEntity(Exchange exchange, @org.apache.camel.Header("entities") java.util.List<String> entities) {
        int i = exchange.getProperty(Exchange.LOOP_INDEX, Integer.class);
        exchange.getIn().setHeader("entity", entities.get(i));
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
        if (run.runId() == 0) return;
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
