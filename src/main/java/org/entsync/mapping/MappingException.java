package org.entsync.mapping;

/** A value that cannot be mapped: fails the entry, not the run. */
public class MappingException extends Exception {
    private final String field;
    private final String value;

    public MappingException(String field, String value, String reason) {
        super(reason);
        this.field = field;
        this.value = value;
    }

    public String field() {
        return field;
    }

    public String value() {
        return value;
    }
}
