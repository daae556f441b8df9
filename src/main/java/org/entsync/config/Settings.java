package org.entsync.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw layered settings: defaults in the jar, then the --config file, then ENTSYNC_* environment variables,
 * then --set overrides. Only keys known from the defaults are accepted, so a typo fails at start-up.
 */
public final class Settings {
    public static final String PREFIX = "entsync.";
    private final Map<String, String> values;
    private final Map<String, String> env;

    private Settings(Map<String, String> values, Map<String, String> env) {
        this.values = values;
        this.env = env;
    }

    public static Settings load(Path configFile, Map<String, String> overrides, Map<String, String> env) {
        Map<String, String> values = new TreeMap<>(defaults());
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new ConfigException("--config " + configFile + ": file not found or not readable");
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("--config " + configFile + ": cannot read (" + e.getMessage() + ")");
            }
            p.stringPropertyNames().forEach(k -> put(values, k.trim(), p.getProperty(k), "in " + configFile));
        }
        for (String key : new ArrayList<>(values.keySet())) {
            String v = env.get(envName(key));
            if (v != null) values.put(key, v);
        }
        overrides.forEach((k, v) -> put(values, k, v, "in --set"));
        return new Settings(values, env);
    }

    /** These settings with some values replaced (keys must be known settings), e.g. one instance of a farm. */
    public Settings with(Map<String, String> overrides, String where) {
        Map<String, String> v = new TreeMap<>(values);
        overrides.forEach((k, val) -> put(v, k, val, where));
        return new Settings(v, env);
    }

    /** The defaults only, for tests and tools. */
    public static Settings defaultsWith(Map<String, String> overrides) {
        return load(null, overrides, Map.of());
    }

    private static void put(Map<String, String> values, String key, String value, String where) {
        if (!values.containsKey(key)) {
            throw new ConfigException("setting " + key + " " + where + ": unknown setting (known settings are listed in application.properties)");
        }
        values.put(key, value == null ? "" : value.trim());
    }

    static Map<String, String> defaults() {
        Properties p = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream("/application.properties")) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("application.properties missing from the jar", e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
        return m;
    }

    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) throw new IllegalArgumentException("no such setting " + key);
        return v;
    }

    /** The value, or null for an unknown key (for placeholders in mappings). */
    public String find(String key) {
        return values.get(key);
    }

    public String get(String key, String fallback) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? fallback : v;
    }

    public int getInt(String key, int min, int max) {
        String v = get(key);
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new ConfigException("setting " + key + ": expected a whole number between " + min + " and " + max + ", got '" + v + "'");
        }
    }

    public double getDouble(String key, double min, double max) {
        String v = get(key);
        try {
            double d = Double.parseDouble(v);
            if (d < min || d > max || Double.isNaN(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException("setting " + key + ": expected a number between " + min + " and " + max + ", got '" + v + "'");
        }
    }

    public boolean getBoolean(String key) {
        String v = get(key).toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("yes")) return true;
        if (v.equals("false") || v.equals("no") || v.isEmpty()) return false;
        throw new ConfigException("setting " + key + ": expected true or false, got '" + get(key) + "'");
    }

    public String oneOf(String key, String... allowed) {
        String v = get(key);
        for (String a : allowed) if (a.equalsIgnoreCase(v)) return a;
        throw new ConfigException("setting " + key + ": expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    public SecretValue secret(String key) {
        return SecretValue.resolve(key, get(key), env);
    }

    public List<String> list(String key) {
        String v = get(key);
        if (v.isBlank()) return List.of();
        List<String> out = new ArrayList<>();
        for (String s : v.split("[,\\s]+")) if (!s.isBlank()) out.add(s.trim());
        return Collections.unmodifiableList(out);
    }

    /** Every setting with secrets masked, for "validate" and the report header. */
    public Map<String, String> describe() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> m.put(k, k.toLowerCase(Locale.ROOT).contains("password") ? (v.isEmpty() ? "" : "****") : v));
        return m;
    }
}
