package org.entsync.pipeline;

import org.apache.camel.ExchangeProperty;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.ReportWriter;
import org.entsync.report.RunHistory;
import org.entsync.report.RunReport;
import org.entsync.report.RunSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

/** Publishes the finished report: JSON and a self-contained HTML page per run, with the instance's recent history. */
public final class ReportStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReportStage.class);

    public void publish(@ExchangeProperty("run") RunContext run) {
        RunReport r = run.report();
        List<RunSummary> history = List.of();
        try (Connection c = run.target().connection()) {
            history = RunHistory.last(c, run.target().sql(), r.instance, 30);
        } catch (Exception e) {
            LOG.warn("run history unavailable: {}", e instanceof java.sql.SQLException s ? TargetDatabase.safeMessage(s) : e.getMessage());
        }
        try {
            Path html = new ReportWriter(run.config().reportDir(), run.config().reportRetentionDays()).write(r, history);
            r.reportFile = html.toString();
            LOG.info("report written to {}", html);
        } catch (IOException e) {
            LOG.warn("could not write the report: {}", e.getMessage());
        }
    }
}
