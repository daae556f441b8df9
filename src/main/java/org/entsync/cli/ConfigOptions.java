package org.entsync.cli;

import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** --config and --set, shared by every command. */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file overriding the defaults (see application.properties).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one setting, e.g. --set entsync.ldap.pageSize=1000.")
    Map<String, String> set = new LinkedHashMap<>();

    public Settings settings() {
        Map<String, String> overrides = new LinkedHashMap<>();
        set.forEach((k, v) -> overrides.put(k.startsWith(Settings.PREFIX) ? k : Settings.PREFIX + k, v));
        return Settings.load(config, overrides, System.getenv());
    }

    public SyncConfig load() {
        return SyncConfig.from(settings());
    }
}
