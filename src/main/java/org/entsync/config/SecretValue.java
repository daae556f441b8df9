package org.entsync.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A password given literally, as {@code env:NAME} or as {@code file:PATH}. Its toString never shows the value,
 * so a secret cannot leak through a log line or a report by accident.
 */
public final class SecretValue {
    private final String value;
    private final String source;

    private SecretValue(String value, String source) {
        this.value = value;
        this.source = source;
    }

    public static SecretValue resolve(String setting, String raw, Map<String, String> env) {
        if (raw == null || raw.isEmpty()) return new SecretValue("", "empty");
        if (raw.startsWith("env:")) {
            String name = raw.substring(4);
            String v = env.get(name);
            if (v == null) throw new ConfigException("setting " + setting + ": environment variable " + name + " is not set");
            return new SecretValue(v, "env:" + name);
        }
        if (raw.startsWith("file:")) {
            Path p = Path.of(raw.substring(5));
            try {
                return new SecretValue(Files.readString(p, StandardCharsets.UTF_8).strip(), "file:" + p);
            } catch (IOException e) {
                throw new ConfigException("setting " + setting + ": cannot read password file " + p + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        return new SecretValue(raw, "inline");
    }

    public static SecretValue of(String value) {
        return new SecretValue(value == null ? "" : value, "inline");
    }

    /** The secret itself: pass it to the driver, never to a log. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "(none)" : "****(" + source + ")";
    }
}
