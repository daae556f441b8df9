package org.entsync.farm;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.entsync.report.EntityReport;
import org.entsync.report.RunReport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Daemon metrics (Micrometer, Prometheus format) and health, served over HTTP: runs, entries processed, changes,
 * failures and durations per instance and entity, and the last successful run per instance.
 */
public final class Metrics {
    static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static final Map<String, AtomicLong> LAST_SUCCESS = new ConcurrentHashMap<>();

    private Metrics() {
    }

    public static void record(List<RunReport> reports) {
        for (RunReport r : reports) {
            Counter.builder("entsync_runs").tag("instance", r.instance).tag("outcome", String.valueOf(r.outcome)).register(REGISTRY).increment();
            Timer.builder("entsync_run_duration").tag("instance", r.instance).register(REGISTRY)
                    .record(Duration.ofMillis(Math.max(0, r.endedAt - r.startedAt)));
            r.entities.forEach((entity, e) -> {
                Counter.builder("entsync_entries_processed").tag("instance", r.instance).tag("entity", entity).register(REGISTRY).increment(e.get(EntityReport.Count.read));
                Counter.builder("entsync_changes").tag("instance", r.instance).tag("entity", entity).register(REGISTRY).increment(e.changeCount());
                Counter.builder("entsync_failures").tag("instance", r.instance).tag("entity", entity).register(REGISTRY).increment(e.get(EntityReport.Count.failed));
            });
            if (r.exitCode == 0) {
                LAST_SUCCESS.computeIfAbsent(r.instance, i -> {
                    AtomicLong v = new AtomicLong();
                    Gauge.builder("entsync_last_success_seconds", v, AtomicLong::get).tag("instance", i).register(REGISTRY);
                    return v;
                }).set(r.endedAt / 1000);
            }
        }
    }

    /** A scheduled fire that came while the instance's previous run was still going. */
    static void skipped(String instance) {
        Counter.builder("entsync_skipped_fires").tag("instance", instance).register(REGISTRY).increment();
    }

    /** Starts GET /metrics and GET /health on the port (0 = not started). */
    public static HttpServer serve(int port, Daemon daemon) throws IOException {
        if (port == 0) return null;
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4", REGISTRY.scrape()));
        server.createContext("/health", ex -> send(ex, 200, "application/json",
                "{\"status\":\"UP\",\"instances\":" + daemon.instances().size() + ",\"schedules\":" + daemon.schedules().size() + "}"));
        server.start();
        return server;
    }

    private static void send(com.sun.net.httpserver.HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
