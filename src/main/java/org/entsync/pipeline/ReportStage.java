package org.entsync.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.camel.ExchangeProperty;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Publishes the finished report: a JSON file per run under the reports folder. */
public final class ReportStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReportStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void publish(@ExchangeProperty("run") RunContext run) {
        RunReport r = run.report();
        Path dir = run.config().reportDir().resolve(r.instance);
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("run-" + r.runId + ".json");
            JSON.writeValue(file.toFile(), r);
            LOG.info("report written to {}", file);
        } catch (IOException e) {
            LOG.warn("could not write the report: {}", e.getMessage());
        }
    }
}
