package org.entsync.config;

/** A setting, mapping or target that cannot work; the message says what to fix. Exit code 2. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
