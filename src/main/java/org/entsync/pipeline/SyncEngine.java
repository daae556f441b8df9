package org.entsync.pipeline;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Camel Main with the stage beans bound and the YAML routes of {@code routes/} loaded (from the working folder
 * when it has one, else from the copy inside the jar). One engine serves any number of runs and instances.
 */
public final class SyncEngine implements AutoCloseable {
    private final Main main;
    private final ProducerTemplate producer;
    private final ExecutorService farmPool;
    /** Writers of the entities derived from one page (cohorts, roles, groups), shared by the instances of a farm. */
    private final ExecutorService entityPool;
    private static final int ENTITY_THREADS = 3;

    public SyncEngine(Path routesDir) {
        this(routesDir, Runtime.getRuntime().availableProcessors());
    }

    public SyncEngine(Path routesDir, int parallelism) {
        this(routesDir, parallelism, Map.of(), Map.of());
    }

    /**
     * @param parallelism instances processed at the same time in a farm run
     * @param beans       extra beans (the daemon's triggers)
     * @param properties  properties the routes use ({{entsync.daemon.inbox}})
     */
    public SyncEngine(Path routesDir, int parallelism, Map<String, Object> beans, Map<String, String> properties) {
        main = new Main();
        java.util.Properties props = new java.util.Properties();
        props.setProperty("entsync.daemon.inbox", "inbox");
        props.putAll(properties);
        main.setOverrideProperties(props); // above application.properties, which Camel Main also reads
        beans.forEach(main::bind);
        // the daemon routes exist in every engine but are started in daemon mode only
        if (!beans.containsKey("daemon")) main.bind("daemon", new org.entsync.farm.Daemon(null, java.util.List.of()));
        farmPool = daemonPool(Math.max(1, parallelism), "entsync-farm");
        main.bind("farmPool", farmPool);
        entityPool = daemonPool(ENTITY_THREADS, "entsync-entity");
        main.bind("entityPool", entityPool);
        main.bind("runControl", new RunControl());
        main.bind("readStage", new ReadStage());
        main.bind("unchangedPeople", new UnchangedPeople());
        main.bind("mapStage", new MapStage());
        main.bind("deriveStage", new DeriveStage());
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
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Camel routes from " + pattern + ": " + e.getMessage(), e);
        }
        producer = main.getCamelContext().createProducerTemplate();
    }

    /** Runs this on a daemon thread of its own (work beside a run that must not keep the JVM alive). */
    static void startDaemon(String name, Runnable work) {
        daemonThread(name, work).start();
    }

    private static Thread daemonThread(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * The result of work done on another thread, or the exception it threw (unchecked, or an error) as if thrown
     * here, not wrapped in a CompletionException: callers report the work's own message.
     */
    static <T> T joinUnwrapped(java.util.concurrent.CompletableFuture<T> work) {
        try {
            return work.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** A pool of daemon threads of this name: the JVM never waits for them at exit. */
    static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> daemonThread(name, r));
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    /** Runs a farm (or a single instance) through the routes; each run's report says how it ended. */
    public void run(FarmRun farm) {
        try {
            producer.requestBody("direct:sync", farm);
        } catch (org.apache.camel.CamelExecutionException e) {
            // only what fails outside the routes' doTry gets here: every instance still running failed
            Throwable root = e.getCause() == null ? e : e.getCause();
            farm.getActiveRuns().forEach(r -> RunControl.fail(r, root));
            for (RunContext r : farm.getRuns()) {
                org.entsync.report.RunReport rep = r.report();
                if (rep.endedAt == 0) rep.endedAt = System.currentTimeMillis();
                org.entsync.report.Outcome o = org.entsync.report.Outcome.of(rep);
                rep.outcome = o.label;
                rep.exitCode = o.exitCode;
            }
        }
    }

    @Override
    public void close() {
        try {
            producer.close();
            main.stop();
        } catch (Exception e) {
            // shutting down: nothing left to protect
        } finally {
            farmPool.shutdownNow();
            entityPool.shutdownNow();
        }
    }
}
