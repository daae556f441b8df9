package org.entsync.cli;

import org.entsync.farm.DaemonRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Runs until stopped: each instance's cron schedule (Quartz, seconds first), full syncs on files",
                "dropped in the inbox (<instance>.full or all.full), /metrics (Prometheus) and /health over HTTP."})
public final class DaemonCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--routes", paramLabel = "DIR", description = "Folder of the Camel YAML routes (default: ./routes, else the copy in the jar).")
    Path routes = Path.of("routes");

    @Override
    public Integer call() throws Exception {
        DaemonRunner runner = new DaemonRunner(config.settings(), routes);
        System.out.println("ent-sync daemon ready");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
