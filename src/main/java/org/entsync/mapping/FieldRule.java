package org.entsync.mapping;

import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A compiled {@link FieldSpec}: turns an LDAP entry into the values of one field. */
public final class FieldRule {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9_.@-]+");

    final String name;
    private final List<String> from;
    /** The same as the lookups want them ({@link MappingContext#lookupName}). */
    private final List<String> fromKeys;
    private final boolean all;
    private final Pattern match;
    private final String sameStructureAs;
    private final Integer part;
    private final List<String> partNames;
    private final String separator;
    private final Pattern pattern;
    private final String group;
    private final String letterCase;
    private final Map<String, String> transcode;
    private final Template transcodeDefault;
    private final String lookupBy;
    private final String lookupField;
    private final boolean lookupSkip;
    private final Template format;
    private final boolean distinct;
    private final Template defaultValue;
    private final boolean required;
    private final boolean checkUsername;
    private final Integer maxLength;
    private final boolean truncate;
    final String join;
    private final List<FieldRule> firstOf;
    /**
     * Whether a template (format, transcode default) may read the parts of a composite value: only then are they
     * named in a map (one map and its entries for every value of a {@code values: all} extract, else).
     */
    private final boolean templated;

    FieldRule(String name, FieldSpec s, Function<FieldSpec.TranscodeSpec, Map<String, String>> tables) {
        this.name = name;
        this.firstOf = new ArrayList<>();
        if (s.firstOf != null) {
            if (s.from != null) throw new IllegalArgumentException("use either from or firstOf, not both");
            for (int i = 0; i < s.firstOf.size(); i++) {
                FieldSpec alt = s.firstOf.get(i);
                try {
                    firstOf.add(new FieldRule(name, alt, tables));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("firstOf[" + (i + 1) + "]: " + e.getMessage());
                }
            }
        } else if ((s.from == null || s.from.isEmpty()) && s.format == null && s.defaultValue == null) {
            throw new IllegalArgumentException("needs from (attribute names), firstOf, format or default");
        }
        this.from = s.from == null ? List.of() : s.from;
        this.fromKeys = MappingContext.lookupNames(from);
        this.all = "all".equals(oneOf("values", s.values, "first", "all"));
        this.match = s.match == null ? null : compile("match", s.match);
        this.sameStructureAs = MappingContext.lookupName(s.sameStructureAs);
        FieldSpec.ExtractSpec x = s.extract;
        this.part = x == null ? null : x.part;
        this.partNames = x == null || x.parts == null ? List.of() : x.parts;
        this.separator = x == null || x.separator == null ? "$" : x.separator;
        this.pattern = x == null || x.pattern == null ? null : compile("extract.pattern", x.pattern);
        this.group = x == null ? null : x.group;
        if (part != null && part < 1) throw new IllegalArgumentException("extract.part: parts are numbered from 1, got " + part);
        if (part != null && pattern != null) throw new IllegalArgumentException("extract: use part or pattern, not both");
        if (group != null && (pattern == null || !pattern.pattern().contains("(?<" + group + ">"))) {
            throw new IllegalArgumentException("extract.group: pattern has no group named " + group);
        }
        if (pattern != null && group == null && pattern.matcher("").groupCount() < 1 && !pattern.pattern().contains("(?<")) {
            throw new IllegalArgumentException("extract.pattern: needs a capturing group, e.g. ^National_(.+)$");
        }
        this.letterCase = oneOf("case", s.letterCase, "none", "lower", "upper");
        this.transcode = s.transcode == null ? null : tables.apply(s.transcode);
        this.transcodeDefault = s.transcode == null || s.transcode.defaultValue == null ? null : new Template(s.transcode.defaultValue);
        if (s.lookup != null) {
            if (!"structures".equals(s.lookup.table)) throw new IllegalArgumentException("lookup.table: only 'structures' can be looked up, got " + s.lookup.table);
            this.lookupBy = oneOf("lookup.by", s.lookup.by, "auto", "dn", "uai", "siren", "jointure");
            if (s.lookup.field == null || !Structure.FIELDS.contains(s.lookup.field)) {
                throw new IllegalArgumentException("lookup.field: expected one of " + Structure.FIELDS + ", got " + s.lookup.field);
            }
            this.lookupField = s.lookup.field;
            this.lookupSkip = "skip".equals(oneOf("lookup.onMissing", s.lookup.onMissing, "error", "skip"));
        } else {
            this.lookupBy = null;
            this.lookupField = null;
            this.lookupSkip = false;
        }
        this.format = s.format == null ? null : new Template(s.format);
        this.distinct = s.distinct == null || s.distinct;
        this.defaultValue = s.defaultValue == null ? null : new Template(s.defaultValue);
        this.required = Boolean.TRUE.equals(s.required);
        this.checkUsername = "moodle-username".equals(oneOf("check", s.check, "none", "moodle-username"));
        this.maxLength = s.maxLength;
        if (maxLength != null && maxLength < 1) throw new IllegalArgumentException("maxLength: must be positive");
        this.truncate = Boolean.TRUE.equals(s.truncate);
        this.join = s.join == null ? "," : s.join;
        this.templated = format != null || transcodeDefault != null;
    }

    /** Placeholder names this rule uses, to check them against earlier fields when the mapping loads. */
    Set<String> placeholders() {
        Set<String> names = new LinkedHashSet<>();
        for (Template t : new Template[]{format, defaultValue, transcodeDefault}) if (t != null) names.addAll(t.names());
        for (FieldRule r : firstOf) names.addAll(r.placeholders());
        names.remove("value");
        names.removeAll(partNames);
        for (int i = 1; i <= 9; i++) names.remove("part" + i);
        return names;
    }

    /** The parts of a composite value by placeholder name ({@code part1}..., and the rule's own names). */
    private Map<String, String> parts(String[] p) {
        Map<String, String> parts = new HashMap<>();
        for (int i = 0; i < p.length; i++) {
            parts.put(i < PART.length ? PART[i] : "part" + (i + 1), p[i]);
            if (i < partNames.size()) parts.put(partNames.get(i), p[i]);
        }
        return parts;
    }

    private static final String[] PART = {"part1", "part2", "part3", "part4", "part5", "part6", "part7", "part8", "part9"};

    List<String> evaluate(MappingContext ctx) throws MappingException {
        List<String> values;
        if (!firstOf.isEmpty()) {
            values = List.of();
            for (FieldRule alt : firstOf) {
                values = alt.evaluate(ctx);
                if (!values.isEmpty()) break;
            }
        } else {
            values = read(ctx);
        }
        return finish(ctx, values);
    }

    private List<String> read(MappingContext ctx) throws MappingException {
        List<String> raw = new ArrayList<>();
        for (String attr : fromKeys) {
            String[] vs = ctx.values(attr);
            if (vs == null) continue;
            for (String v : vs) {
                raw.add(v);
                if (!all) break;
            }
            if (!all && !raw.isEmpty()) break;
        }
        Structure anchor = null;
        if (sameStructureAs != null) {
            anchor = ctx.structures.resolve(ctx.entry.getAttributeValue(sameStructureAs), "auto");
            if (anchor == null) return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String v : raw) {
            if (match != null && !match.matcher(v).find()) continue;
            Map<String, String> parts = null;
            String value = v;
            if (part != null || !partNames.isEmpty() || anchor != null) {
                String[] p = ctx.structures.splitComposite(v, separator);
                if (anchor != null && ctx.structures.resolve(p[0], "auto") != anchor) continue;
                if (templated) parts = parts(p);
                if (part != null) {
                    if (part > p.length) continue;
                    value = p[part - 1];
                }
            } else if (pattern != null) {
                Matcher m = pattern.matcher(v);
                if (!m.find()) continue;
                value = group != null ? m.group(group) : m.group(1);
                if (value == null) continue;
            }
            value = value.strip();
            if (letterCase.equals("lower")) value = value.toLowerCase(Locale.ROOT);
            else if (letterCase.equals("upper")) value = value.toUpperCase(Locale.ROOT);
            if (transcode != null) {
                String t = transcode.get(value.toLowerCase(Locale.ROOT));
                if (t == null && transcodeDefault != null) {
                    String current = value;
                    Map<String, String> ps = parts;
                    t = transcodeDefault.render(n -> n.equals("value") ? current : ctx.resolve(n, ps));
                }
                if (t == null || t.isEmpty()) continue;
                value = t;
            }
            if (lookupField != null) {
                Structure s = ctx.structures.resolve(value, lookupBy);
                String looked = s == null ? null : s.field(lookupField);
                if (looked == null) {
                    if (lookupSkip) continue;
                    throw new MappingException(name, v, "structure '" + MappingError.safe(value) + "' not found in the directory's structures");
                }
                value = looked;
            }
            if (format != null) {
                String current = value;
                Map<String, String> ps = parts;
                value = format.render(n -> n.equals("value") ? current : ctx.resolve(n, ps));
                if (value == null) continue;
            }
            if (!invisible(value)) out.add(value);
        }
        return out;
    }

    private List<String> finish(MappingContext ctx, List<String> values) throws MappingException {
        if (distinct && values.size() > 1) values = new ArrayList<>(new LinkedHashSet<>(values));
        if (values.isEmpty() && defaultValue != null) {
            String d = defaultValue.render(n -> ctx.resolve(n, null));
            if (d != null && !d.isEmpty()) values = List.of(d);
        }
        if (values.isEmpty()) {
            if (required) {
                throw new MappingException(name, null, "required value is missing" + (from.isEmpty() ? "" : " (from " + String.join(", ", from) + ")"));
            }
            return List.of();
        }
        if (checkUsername) {
            String u = values.get(0);
            if (!u.equals(u.toLowerCase(Locale.ROOT))) throw new MappingException(name, u, "Moodle usernames must be lower case");
            if (!USERNAME.matcher(u).matches()) {
                throw new MappingException(name, u, "not a valid Moodle username (only a-z 0-9 - . _ @ are allowed)");
            }
        }
        if (maxLength != null) {
            // Moodle's columns (PostgreSQL VARCHAR, MariaDB utf8mb4) count characters, i.e. code points, not UTF-16 units
            String joined = String.join(join, values);
            int length = joined.codePointCount(0, joined.length());
            if (length > maxLength) {
                if (!truncate) {
                    throw new MappingException(name, joined, "value is " + length + " characters long, Moodle's column holds " + maxLength);
                }
                return List.of(cut(joined, maxLength));
            }
        }
        return values;
    }

    /** The first {@code max} code points: never half a surrogate pair, and an emoji counts as one character. */
    static String cut(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, max));
    }

    /**
     * Empty, or only spaces and invisible characters (NO-BREAK SPACE, ZERO WIDTH SPACE, BOM, bidi controls...): such a
     * value is no value, so a required field made of it fails as missing instead of writing an invisible name.
     */
    static boolean invisible(String v) {
        if (!v.isEmpty() && v.charAt(0) > ' ' && v.charAt(0) < 0x7f) return false; // the usual value: a visible ASCII first character
        return v.codePoints().allMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.getType(cp) == Character.FORMAT);
    }

    private static Pattern compile(String what, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": invalid regular expression '" + regex + "' (" + e.getMessage().split("\n")[0] + ")");
        }
    }

    private static String oneOf(String what, String value, String... allowed) {
        if (value == null) return allowed[0];
        for (String a : allowed) if (a.equals(value)) return a;
        throw new IllegalArgumentException(what + ": expected one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
}
