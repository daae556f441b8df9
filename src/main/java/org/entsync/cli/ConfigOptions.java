package org.entsync.cli;

import org.entsync.config.ConfigException;
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

    public SyncConfig load() {
        Map<String, String> overrides = new LinkedHashMap<>();
        set.forEach((k, v) -> overrides.put(k.startsWith(Settings.PREFIX) ? k : Settings.PREFIX + k, v));
        Settings s = Settings.load(config, overrides, System.getenv());
        try {
            return SyncConfig.from(s);
        } catch (ConfigException e) {
            throw e;
        }
    }
}
