package org.entsync.cli;

import com.sun.net.httpserver.HttpServer;
import org.entsync.config.Settings;
import org.entsync.farm.Daemon;
import org.entsync.farm.FarmFile;
import org.entsync.farm.Metrics;
import org.entsync.farm.QuartzStore;
import org.entsync.pipeline.SyncEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Runs until stopped: each instance's cron schedule (Quartz, seconds first), full syncs on files",
                "dropped in the inbox (<instance>.full or all.full), /metrics (Prometheus) and /health over HTTP."})
public final class DaemonCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonCommand.class);

    @Mixin
    ConfigOptions config;

    @Option(names = "--routes", paramLabel = "DIR", description = "Folder of the Camel YAML routes (default: ./routes, else the copy in the jar).")
    Path routes = Path.of("routes");

    @Override
    public Integer call() throws Exception {
        Settings s = config.settings();
        Daemon daemon = new Daemon(s, FarmFile.load(s));
        int parallelism = s.getInt("entsync.farm.parallelism", 0, 256);
        Path inbox = Path.of(s.get("entsync.daemon.inbox"));
        Files.createDirectories(inbox);
        SyncEngine engine = new SyncEngine(routes, parallelism == 0 ? Runtime.getRuntime().availableProcessors() : parallelism,
                Map.of("daemon", daemon), Map.of("entsync.daemon.inbox", inbox.toAbsolutePath().toString()));
        daemon.engine(engine);
        QuartzStore.configure(engine.camelContext(), s);
        daemon.schedules().forEach((name, cron) -> {
            try {
                engine.camelContext().addRouteFromTemplate("schedule-" + name, "scheduled-sync", Map.of("instance", name, "cron", cron.trim().replace(' ', '+')));
                LOG.info("instance {}: scheduled at '{}'", name, cron);
            } catch (Exception e) {
                throw new IllegalStateException("instance " + name + ": cannot schedule '" + cron + "': " + e.getMessage(), e);
            }
        });
        engine.camelContext().getRouteController().startRoute("file-drop");
        HttpServer http = Metrics.serve(s.getInt("entsync.daemon.httpPort", 0, 65535), daemon);
        LOG.info("daemon started: {} instances, {} schedules, inbox {}{}", daemon.instances().size(), daemon.schedules().size(), inbox.toAbsolutePath(),
                http == null ? "" : ", metrics on :" + http.getAddress().getPort() + "/metrics");
        System.out.println("ent-sync daemon ready");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (http != null) http.stop(0);
            engine.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
