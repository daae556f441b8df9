package org.entsync.farm;

import com.sun.net.httpserver.HttpServer;
import org.entsync.config.Settings;
import org.entsync.pipeline.SyncEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Daemon mode, started and stopped: schedules, file drop, metrics. The CLI runs it until the process is stopped. */
public final class DaemonRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonRunner.class);
    private final SyncEngine engine;
    private final HttpServer http;
    private final Daemon daemon;

    public DaemonRunner(Settings s, Path routes) throws IOException {
        daemon = new Daemon(s, FarmFile.load(s));
        int parallelism = s.getInt("entsync.farm.parallelism", 0, 256);
        Path inbox = Path.of(s.get("entsync.daemon.inbox"));
        Files.createDirectories(inbox);
        engine = new SyncEngine(routes, parallelism == 0 ? Runtime.getRuntime().availableProcessors() : parallelism,
                Map.of("daemon", daemon), Map.of("entsync.daemon.inbox", inbox.toAbsolutePath().toString()));
        try {
            daemon.engine(engine);
            QuartzStore.configure(engine.camelContext(), s);
            for (Map.Entry<String, String> e : daemon.schedules().entrySet()) {
                engine.camelContext().addRouteFromTemplate("schedule-" + e.getKey(), "scheduled-sync",
                        Map.of("instance", e.getKey(), "cron", e.getValue().trim().replace(' ', '+')));
                LOG.info("instance {}: scheduled at '{}'", e.getKey(), e.getValue());
            }
            engine.camelContext().getRouteController().startRoute("file-drop");
            http = Metrics.serve(s.getInt("entsync.daemon.httpPort", 0, 65535), daemon);
        } catch (Exception e) {
            engine.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException("daemon: " + e.getMessage(), e);
        }
        LOG.info("daemon started: {} instances, {} schedules, inbox {}{}", daemon.instances().size(), daemon.schedules().size(), inbox.toAbsolutePath(),
                http == null ? "" : ", metrics on :" + http.getAddress().getPort() + "/metrics");
    }

    public int httpPort() {
        return http == null ? 0 : http.getAddress().getPort();
    }

    @Override
    public void close() {
        if (http != null) http.stop(0);
        engine.close();
    }
}
