package org.entsync.farm;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.entsync.config.Settings;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.report.SummaryPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What the daemon's triggers do: a scheduled fire or a dropped file becomes a run of the named instance(s). A fire
 * that comes while the same instance is still running in this process is skipped and logged; across processes the
 * instance's database lock refuses the second run.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private final Settings settings;
    private final List<FarmFile.InstanceConfig> instances;
    private final Set<String> running = new java.util.HashSet<>();
    private SyncEngine engine;

    public Daemon(Settings settings, List<FarmFile.InstanceConfig> instances) {
        this.settings = settings;
        this.instances = instances;
    }

    public void engine(SyncEngine e) {
        this.engine = e;
    }

    public List<FarmFile.InstanceConfig> instances() {
        return instances;
    }

    /** A Quartz fire for one instance. */
    public void scheduled(@Header("instance") String instance) {
        List<RunReport> reports = run(List.of(instance), false, "schedule", false);
        if (reports.isEmpty()) {
            LOG.warn("instance {}: scheduled fire skipped: its previous run is still going", instance);
            Metrics.skipped(instance);
        }
    }

    /** A dropped file: {@code <instance>.full} or {@code all.full}. */
    public void fileDrop(Exchange exchange) throws IOException {
        String name = exchange.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        String target = name.substring(0, name.length() - ".full".length());
        List<String> names = target.equals("all") ? instances.stream().map(FarmFile.InstanceConfig::name).toList() : List.of(target);
        if (!target.equals("all") && instances.stream().noneMatch(i -> i.name().equals(target))) {
            fail(exchange, name, "unknown instance '" + target + "' (instances: " + instances.stream().map(FarmFile.InstanceConfig::name).collect(Collectors.joining(", ")) + ")");
        }
        exchange.getIn().getBody(byte[].class); // an unreadable file fails here, before anything runs
        List<RunReport> reports = run(names, true, "file-drop", true);
        exchange.getIn().setHeader("runIds", "run" + reports.stream().map(r -> String.valueOf(r.runId)).collect(Collectors.joining("-")));
        if (Outcome.worst(reports) != 0) {
            fail(exchange, name, "the run ended with " + reports.stream().map(r -> r.instance + ": " + r.outcome).collect(Collectors.joining(", ")));
        }
    }

    private void fail(Exchange exchange, String file, String reason) throws IOException {
        Path failed = Path.of(settings.get("entsync.daemon.inbox"), "failed");
        Files.createDirectories(failed);
        Files.writeString(failed.resolve(file + ".reason"), reason + "\n", StandardCharsets.UTF_8);
        LOG.warn("dropped file {}: {}", file, reason);
        throw new IllegalStateException(reason);
    }

    /**
     * Runs the named instances; when one of them is already running here, a scheduled fire is skipped (empty
     * result) while a dropped file waits for it to finish.
     */
    List<RunReport> run(List<String> names, boolean full, String trigger, boolean wait) {
        synchronized (running) {
            while (names.stream().anyMatch(running::contains)) {
                if (!wait) return List.of();
                try {
                    running.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
            running.addAll(names);
        }
        try (SyncService service = new SyncService(engine)) {
            List<FarmFile.InstanceConfig> selected = FarmFile.select(instances, names);
            List<RunReport> reports = service.runFarm(selected, new RunOptions(RunOptions.ALL, full, false, false, trigger));
            reports.forEach(r -> SummaryPrinter.print(r, System.out));
            Metrics.record(reports);
            return reports;
        } finally {
            synchronized (running) {
                running.removeAll(names);
                running.notifyAll();
            }
        }
    }

    /** Instances with a schedule: name → cron. */
    public Map<String, String> schedules() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        instances.forEach(i -> {
            if (i.schedule() != null) m.put(i.name(), i.schedule());
        });
        return m;
    }
}
