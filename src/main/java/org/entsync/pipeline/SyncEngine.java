package org.entsync.pipeline;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.entsync.report.RunReport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Camel Main with the stage beans bound and the YAML routes of {@code routes/} loaded (from the working folder
 * when it has one, else from the copy inside the jar). One engine serves any number of runs and instances.
 */
public final class SyncEngine implements AutoCloseable {
    private final Main main;
    private final ProducerTemplate producer;

    public SyncEngine(Path routesDir) {
        main = new Main();
        main.bind("runControl", new RunControl());
        main.bind("readStage", new ReadStage());
        main.bind("mapStage", new MapStage());
        main.bind("diffStage", new DiffStage());
        main.bind("writeStage", new WriteStage());
        main.bind("removalStage", new RemovalStage());
        main.bind("reportStage", new ReportStage());
        String pattern = routesDir != null && Files.isDirectory(routesDir)
                ? "file:" + routesDir.toAbsolutePath().normalize() + "/*.yaml"
                : "classpath:routes/*.yaml";
        main.configure().withRoutesIncludePattern(pattern);
        main.configure().withName("ent-sync");
        main.configure().withJmxEnabled(false);
        main.configure().withDumpRoutes(null);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Camel routes from " + pattern + ": " + e.getMessage(), e);
        }
        producer = main.getCamelContext().createProducerTemplate();
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    /** Runs one instance's sync through the routes and returns its report (its outcome says how it ended). */
    public RunReport run(RunContext run) {
        try {
            producer.requestBody("direct:sync", run);
        } catch (org.apache.camel.CamelExecutionException e) {
            // only what fails outside the route's doTry gets here: opening the run (its entsync_run row), e.g. the
            // database connection lost at that moment. The run failed: say so like any other failure.
            Throwable root = e.getCause() == null ? e : e.getCause();
            RunReport r = run.report();
            r.error = root instanceof java.sql.SQLException s ? "Moodle database: " + org.entsync.moodle.TargetDatabase.safeMessage(s) : String.valueOf(root.getMessage());
            r.endedAt = System.currentTimeMillis();
            r.outcome = org.entsync.report.Outcome.FAILED.label;
            r.exitCode = org.entsync.report.Outcome.FAILED.exitCode;
            org.slf4j.LoggerFactory.getLogger(SyncEngine.class).error("run of instance {} could not be opened: {}", r.instance, r.error);
        }
        return run.report();
    }

    @Override
    public void close() {
        try {
            producer.close();
            main.stop();
        } catch (Exception e) {
            // shutting down: nothing left to protect
        }
    }
}
