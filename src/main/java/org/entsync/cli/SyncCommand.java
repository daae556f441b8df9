package org.entsync.cli;

import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.farm.FarmFile;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.report.SummaryPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = {"Runs a sync: only what changed since the last run, unless --full.",
                "With a farm file (entsync.farm.file), --all or --instance picks the Moodle instances; they are synced in",
                "parallel from one read of the directory, and one failing instance does not stop the others."})
public final class SyncCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--all", description = "Sync every enabled instance of the farm file.")
    boolean all;

    @Option(names = "--instance", split = ",", paramLabel = "NAME", description = "Sync these instances of the farm file.")
    List<String> instances;

    @Option(names = "--full", description = "Process every entry, changed or not (rewrites Moodle rows from the directory).")
    boolean full;

    @Option(names = "--dry-run", description = "Compute and report every change without writing anything.")
    boolean dryRun;

    @Option(names = "--force-removals", description = "Apply removals even above entsync.removal.maxShare or after an empty answer.")
    boolean forceRemovals;

    @Option(names = "--entities", split = ",", paramLabel = "E", description = "Entities to sync (default: all of categories, users, cohorts, roles, groups).")
    List<String> entities;

    @Option(names = "--routes", paramLabel = "DIR", description = "Folder of the Camel YAML routes (default: ./routes, else the copy in the jar).")
    Path routes = Path.of("routes");

    @Override
    public Integer call() {
        Settings settings = config.settings();
        List<FarmFile.InstanceConfig> farm = FarmFile.load(settings);
        boolean hasFarm = !settings.get("entsync.farm.file").isEmpty();
        if (hasFarm && !all && (instances == null || instances.isEmpty())) {
            throw new ConfigException("this configuration has a farm file (entsync.farm.file): choose --all or --instance NAME[,NAME]");
        }
        if (!hasFarm && instances != null && !instances.isEmpty()) {
            farm = FarmFile.select(farm, instances); // the single instance, by its name
        }
        List<FarmFile.InstanceConfig> selected = all ? farm : FarmFile.select(farm, instances);
        RunOptions options = new RunOptions(RunOptions.select(entities, "--entities"), full, dryRun, forceRemovals, "cli");
        return run(selected, options, routes, settings);
    }

    static int run(List<FarmFile.InstanceConfig> selected, RunOptions options, Path routes, Settings settings) {
        int parallelism = settings.getInt("entsync.farm.parallelism", 0, 256);
        try (SyncEngine engine = new SyncEngine(routes, parallelism == 0 ? Runtime.getRuntime().availableProcessors() : parallelism);
             SyncService service = new SyncService(engine)) {
            List<RunReport> reports = service.runFarm(selected, options);
            reports.forEach(r -> SummaryPrinter.print(r, System.out));
            if (reports.size() > 1) FarmSummary.print(reports, System.out);
            return Outcome.worst(reports);
        }
    }
}
