package org.entsync.cli;

import org.entsync.config.ConfigException;
import org.entsync.farm.FarmFile;
import org.entsync.moodle.MoodleSchemaChecker;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.RunHistory;
import org.entsync.report.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the last run of each instance (from its <prefix>entsync_run table).")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        int code = 0;
        System.out.printf("%-24s %-8s %-20s %-14s %-12s %9s %9s%n", "instance", "run", "started", "trigger", "outcome", "changes", "failures");
        for (FarmFile.InstanceConfig ic : FarmFile.load(config.settings())) {
            try (TargetDatabase t = TargetDatabase.open(ic.name(), ic.config().moodle(), MoodleSchemaChecker.coreRequirements());
                 var c = t.connection()) {
                List<RunSummary> last = RunHistory.last(c, t.sql(), ic.name(), 1);
                if (last.isEmpty()) {
                    System.out.printf("%-24s %-8s%n", ic.name(), "never");
                    continue;
                }
                RunSummary r = last.get(0);
                System.out.printf("%-24s %-8d %-20s %-14s %-12s %9d %9d%n", ic.name(), r.runId(), Instant.ofEpochMilli(r.startedAt()).toString().substring(0, 19),
                        r.trigger(), r.outcome(), r.totalChanges(), r.totalFailures());
            } catch (ConfigException | java.sql.SQLException e) {
                System.out.printf("%-24s unreachable: %s%n", ic.name(), e instanceof java.sql.SQLException s ? TargetDatabase.safeMessage(s) : e.getMessage());
                code = 1;
            }
        }
        return code;
    }
}
