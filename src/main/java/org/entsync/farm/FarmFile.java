package org.entsync.farm;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.pipeline.RunOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The farm file ({@code entsync.farm.file}, YAML): the Moodle instances one configuration drives, each with its own
 * database, prefix, schools, mapping profile, entities, schedule and setting overrides. Each instance's settings
 * are the base settings with its own on top, validated like any other.
 */
public final class FarmFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static class Spec {
        public List<Instance> instances = new ArrayList<>();
    }

    public static class Instance {
        public String name;
        public String jdbcUrl;
        public String user;
        public String password;
        public String prefix;
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> schools;
        public String profile;
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> entities;
        /** Quartz cron (seconds first), e.g. "0 30 2 * * ?". */
        public String schedule;
        public boolean enabled = true;
        /** Other settings for this instance, without the entsync. prefix (e.g. removal.policy: keep). */
        public Map<String, String> settings = new LinkedHashMap<>();
    }

    /** One instance, ready to run. */
    public record InstanceConfig(SyncConfig config, List<String> entities, String schedule) {
        public String name() {
            return config.instance();
        }
    }

    private FarmFile() {
    }

    /** The instances to sync: the farm file's, or the single instance of the base settings when there is none. */
    public static List<InstanceConfig> load(Settings base) {
        String file = base.get("entsync.farm.file");
        if (file.isEmpty()) {
            return List.of(new InstanceConfig(SyncConfig.from(base), RunOptions.ALL, null));
        }
        Path path = Path.of(file);
        if (!Files.isReadable(path)) throw new ConfigException("setting entsync.farm.file: " + file + " not found or not readable");
        Spec spec;
        try {
            spec = YAML.readValue(path.toFile(), Spec.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("farm file " + file + ": unknown property '" + e.getPropertyName() + "' (known: " + e.getKnownPropertyIds() + ")");
        } catch (IOException e) {
            throw new ConfigException("farm file " + file + ": " + e.getMessage().split("\n")[0]);
        }
        if (spec == null || spec.instances.isEmpty()) throw new ConfigException("farm file " + file + ": instances: at least one instance is required");
        List<InstanceConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.instances.size(); i++) {
            Instance in = spec.instances.get(i);
            String where = "farm file " + file + ": instances[" + (i + 1) + "]" + (in.name == null ? "" : " (" + in.name + ")");
            if (in.name == null || !names.add(in.name)) throw new ConfigException(where + ": name is required and must be unique");
            if (!in.enabled) continue;
            Map<String, String> o = new LinkedHashMap<>();
            o.put("entsync.instance", in.name);
            put(o, "entsync.moodle.jdbcUrl", in.jdbcUrl);
            put(o, "entsync.moodle.user", in.user);
            put(o, "entsync.moodle.password", in.password);
            put(o, "entsync.moodle.prefix", in.prefix);
            put(o, "entsync.mapping.profile", in.profile);
            if (in.schools != null) o.put("entsync.schools", String.join(",", in.schools));
            in.settings.forEach((k, v) -> o.put(k.startsWith(Settings.PREFIX) ? k : Settings.PREFIX + k, v));
            SyncConfig cfg;
            try {
                cfg = SyncConfig.from(base.with(o, "in " + where));
            } catch (ConfigException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
            List<String> entities = in.entities == null ? RunOptions.ALL : in.entities;
            for (String e : entities) {
                if (!RunOptions.ALL.contains(e)) throw new ConfigException(where + ": entities: unknown entity '" + e + "', expected some of " + RunOptions.ALL);
            }
            if (in.schedule != null && !org.quartz.CronExpression.isValidExpression(in.schedule)) {
                throw new ConfigException(where + ": schedule: '" + in.schedule + "' is not a Quartz cron expression (seconds first, e.g. \"0 30 2 * * ?\")");
            }
            out.add(new InstanceConfig(cfg, entities, in.schedule));
        }
        return out;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) m.put(key, value);
    }

    /** The instances named in a selection (comma list), or all; an unknown name is an error. */
    public static List<InstanceConfig> select(List<InstanceConfig> all, List<String> names) {
        if (names == null || names.isEmpty()) return all;
        List<InstanceConfig> out = new ArrayList<>();
        for (String n : names) {
            InstanceConfig ic = all.stream().filter(i -> i.name().equals(n)).findFirst()
                    .orElseThrow(() -> new ConfigException("--instance: unknown instance '" + n + "' (instances: "
                            + String.join(", ", all.stream().map(InstanceConfig::name).toList()) + ")"));
            out.add(ic);
        }
        return out;
    }
}
