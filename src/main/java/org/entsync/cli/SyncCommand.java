package org.entsync.cli;

import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.pipeline.RunContext;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.RunReport;
import org.entsync.report.SummaryPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true, description = "Runs a sync: only what changed since the last run, unless --full.")
public final class SyncCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--full", description = "Process every entry, changed or not (rewrites Moodle rows from the directory).")
    boolean full;

    @Option(names = "--dry-run", description = "Compute and report every change without writing anything.")
    boolean dryRun;

    @Option(names = "--force-removals", description = "Apply removals even above entsync.removal.maxShare or after an empty answer.")
    boolean forceRemovals;

    @Option(names = "--entities", split = ",", paramLabel = "E", description = "Entities to sync (default: all of ${COMPLETION-CANDIDATES}).")
    List<String> entities;

    @Option(names = "--routes", paramLabel = "DIR", description = "Folder of the Camel YAML routes (default: ./routes, else the copy in the jar).")
    Path routes = Path.of("routes");

    @Override
    public Integer call() {
        SyncConfig cfg = config.load();
        RunOptions options = new RunOptions(entities(), full, dryRun, forceRemovals, "cli");
        try (SyncEngine engine = new SyncEngine(routes); SyncService service = new SyncService(engine)) {
            RunContext run = service.prepare(cfg, options);
            RunReport report = service.run(run);
            SummaryPrinter.print(report, System.out);
            return report.exitCode;
        }
    }

    private List<String> entities() {
        if (entities == null || entities.isEmpty()) return RunOptions.ALL;
        List<String> out = new ArrayList<>();
        for (String e : RunOptions.ALL) if (entities.contains(e)) out.add(e);
        for (String e : entities) {
            if (!RunOptions.ALL.contains(e)) throw new ConfigException("--entities: unknown entity '" + e + "', expected some of " + RunOptions.ALL);
        }
        return out;
    }
}
