package org.entsync.mapping;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * One target field of a mapping file, as written in YAML. Every step is optional and applied in this order:
 * from → match → sameStructureAs → extract → case → transcode → lookup → format → distinct → default →
 * required → check → maxLength. {@code firstOf} tries alternatives and keeps the first that yields a value.
 */
public class FieldSpec {
    /** Attribute names, case-insensitive. */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    public List<String> from;
    /** first (default) or all. */
    public String values;
    /** Regular expression a raw value must match to be kept. */
    public String match;
    /** Keep only composite values whose structure part names the same structure as this attribute's value. */
    public String sameStructureAs;
    public ExtractSpec extract;
    /** lower, upper or none. */
    @JsonProperty("case")
    public String letterCase;
    public TranscodeSpec transcode;
    public LookupSpec lookup;
    /** Template: {value}, {name} of a part or of an earlier field, {settings.users.emailDomain}. */
    public String format;
    public Boolean distinct;
    @JsonProperty("default")
    public String defaultValue;
    public Boolean required;
    /** moodle-username: lower case, not blank, only a-z 0-9 - . _ @. */
    public String check;
    public Integer maxLength;
    /** Cut values longer than maxLength instead of failing the entry. */
    public Boolean truncate;
    /** Separator used when several values are written to one column (default ","). */
    public String join;
    public List<FieldSpec> firstOf;

    /** How a value is read: whole, the n-th $-separated part (1-based), or a pattern's named/first group. */
    public static class ExtractSpec {
        public Integer part;
        /** Names for the $-separated parts, usable as placeholders in format (e.g. [structure, class, subject]). */
        public List<String> parts;
        public String pattern;
        public String group;
        public String separator;
    }

    /** A table from value to value (inline or CSV file in the profile folder), with a default. */
    public static class TranscodeSpec {
        public Map<String, String> table;
        public String file;
        @JsonProperty("default")
        public String defaultValue;
    }

    /** Resolves a reference to another entity (only structures today) and returns one of its fields. */
    public static class LookupSpec {
        public String table;
        /** auto (default), dn, uai, siren or jointure. */
        public String by;
        /** name, uai, siren, dn, type, jointure. */
        public String field;
        /** error (default) or skip. */
        public String onMissing;
    }
}
