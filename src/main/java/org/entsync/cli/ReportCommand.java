package org.entsync.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.report.RunReport;
import org.entsync.report.SummaryPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "report", mixinStandardHelpOptions = true, description = "Prints the summary of a run from its JSON report (reports/<instance>/).")
public final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--instance", paramLabel = "NAME", description = "Instance (default: entsync.instance).")
    String instance;

    @Option(names = "--run", paramLabel = "ID", description = "Run id (default: the last run).")
    Long run;

    @Option(names = "--last", description = "The last run (the default).")
    boolean last;

    @Override
    public Integer call() throws IOException {
        Settings s = config.settings();
        String name = instance == null ? s.get("entsync.instance") : instance;
        Path dir = Path.of(s.get("entsync.report.dir")).resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
        Path file;
        if (run == null) {
            file = dir.resolve("latest.json");
        } else {
            try (Stream<Path> files = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
                file = files.filter(p -> p.getFileName().toString().endsWith("-run" + run + ".json")).findFirst().orElse(null);
            }
        }
        if (file == null || !Files.isReadable(file)) {
            throw new ConfigException("report: no report for instance " + name + (run == null ? "" : " run " + run) + " in " + dir);
        }
        RunReport r = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(file.toFile(), RunReport.class);
        SummaryPrinter.print(r, System.out);
        System.out.println("report: " + file.toString().replaceAll("\\.json$", ".html"));
        return 0;
    }
}
