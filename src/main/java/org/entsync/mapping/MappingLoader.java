package org.entsync.mapping;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.entsync.config.ConfigException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads {@code <dir>/<profile>/<entity>.yaml}, from the file system when the folder exists there, else from the
 * copy inside the jar. Every problem is reported with the file, the field and what is wrong.
 */
public final class MappingLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final String profile;
    private final Function<String, String> settings;
    private final String settingsFingerprint;

    public MappingLoader(Path dir, String profile, Function<String, String> settings, String settingsFingerprint) {
        this.dir = dir;
        this.profile = profile;
        this.settings = settings;
        this.settingsFingerprint = settingsFingerprint;
    }

    public EntityMapping load(String entity) {
        String file = profile + "/" + entity + ".yaml";
        byte[] bytes = read(file);
        EntityMappingSpec spec = readSpec(file, bytes, EntityMappingSpec.class);
        return compile(file, spec, bytes);
    }

    /** Parses a mapping file; a mistake names the file, the property path and the line. */
    public <T> T readSpec(String file, byte[] bytes, Class<T> type) {
        try {
            T spec = YAML.readValue(bytes, type);
            if (spec == null) throw new ConfigException("mapping " + file + ": the file is empty");
            return spec;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("mapping " + file + ": unknown property '" + e.getPropertyName() + "' at " + path(e) + " (known: " + e.getKnownPropertyIds() + ")");
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ConfigException("mapping " + file + ": " + e.getOriginalMessage().split("\n")[0] + locationOf(e));
        } catch (IOException e) {
            throw new ConfigException("mapping " + file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private EntityMapping compile(String file, EntityMappingSpec spec, byte[] bytes) {
        String where = "mapping " + file + ": ";
        if (spec == null) throw new ConfigException(where + "the file is empty");
        if (spec.source == null || spec.source.base == null) throw new ConfigException(where + "source.base is required (e.g. \"{settings.ldap.peopleBase}\")");
        try {
            new Template(spec.source.base).names().forEach(n -> {
                if (!n.startsWith("settings.") || settings.apply("entsync." + n.substring(9)) == null) {
                    throw new IllegalArgumentException("source.base: unknown placeholder {" + n + "}");
                }
            });
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + e.getMessage());
        }
        if (spec.fields == null || spec.fields.isEmpty()) throw new ConfigException(where + "fields: at least one field is required");
        Map<String, FieldRule> rules = new LinkedHashMap<>();
        for (Map.Entry<String, FieldSpec> f : spec.fields.entrySet()) {
            String name = f.getKey();
            FieldSpec fs = f.getValue();
            if (fs == null) throw new ConfigException(where + "field " + name + ": empty definition");
            FieldRule rule;
            try {
                rule = new FieldRule(name, fs, this::transcodeTable);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + "field " + name + ": " + e.getMessage());
            }
            for (String p : rule.placeholders()) {
                if (p.startsWith("settings.")) {
                    if (settings.apply("entsync." + p.substring(9)) == null) {
                        throw new ConfigException(where + "field " + name + ": placeholder {" + p + "} names no setting");
                    }
                } else if (!rules.containsKey(p)) {
                    throw new ConfigException(where + "field " + name + ": placeholder {" + p + "} is neither a part name nor a field declared above it");
                }
            }
            rules.put(name, rule);
        }
        if (spec.key == null || !rules.containsKey(spec.key)) throw new ConfigException(where + "key: must name one of the fields " + rules.keySet() + ", got " + spec.key);
        Set<String> include = new LinkedHashSet<>();
        if (spec.include != null) {
            if (!rules.containsKey(spec.include.field)) throw new ConfigException(where + "include.field: unknown field " + spec.include.field);
            for (String v : spec.include.anyOf == null ? List.<String>of() : spec.include.anyOf) {
                String resolved = new Template(v).render(n -> settings.apply("entsync." + n.replaceFirst("^settings\\.", "")));
                if (resolved == null) throw new ConfigException(where + "include.anyOf: unknown placeholder in '" + v + "'");
                for (String s : resolved.split("[,\\s]+")) if (!s.isBlank()) include.add(s.trim().toUpperCase(Locale.ROOT));
            }
        }
        if (spec.scopeField != null && !rules.containsKey(spec.scopeField)) throw new ConfigException(where + "scopeField: unknown field " + spec.scopeField);
        spec.write.columns.forEach((col, field) -> {
            if (!rules.containsKey(field)) throw new ConfigException(where + "write.columns." + col + ": unknown field " + field);
        });
        spec.write.profileFields.forEach((sn, pf) -> {
            if (pf == null || !rules.containsKey(pf.field)) throw new ConfigException(where + "write.profileFields." + sn + ": unknown field " + (pf == null ? null : pf.field));
            if (!sn.matches("[a-z0-9_]{1,255}")) throw new ConfigException(where + "write.profileFields." + sn + ": shortname must be lower-case letters, digits or _");
        });
        String salt = sha(bytes) + ":" + settingsFingerprint;
        return new EntityMapping(file, spec, rules, include, salt, settings);
    }

    /** The transcode table of a field: inline entries plus a CSV file (value,replacement) in the profile folder. */
    private Map<String, String> transcodeTable(FieldSpec.TranscodeSpec t) {
        Map<String, String> m = new HashMap<>();
        if (t.table != null) t.table.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v == null ? "" : v));
        if (t.file != null) {
            byte[] csv = read(profile + "/" + t.file);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(new java.io.ByteArrayInputStream(csv), StandardCharsets.UTF_8))) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank() || line.startsWith("#")) continue;
                    int comma = line.indexOf(',');
                    if (comma < 0) throw new IllegalArgumentException("transcode.file " + t.file + " line " + n + ": expected value,replacement");
                    m.put(line.substring(0, comma).trim().toLowerCase(Locale.ROOT), line.substring(comma + 1).trim());
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("transcode.file " + t.file + ": " + e.getMessage());
            }
        }
        return m;
    }

    public String profile() {
        return profile;
    }

    /** A salt for hashes: the mapping file's content and the settings that shape what is written. */
    public String fingerprint(byte[] mappingFile) {
        return sha(mappingFile) + ":" + settingsFingerprint;
    }

    public byte[] read(String relative) {
        Path p = dir.resolve(relative);
        try {
            if (Files.isRegularFile(p)) return Files.readAllBytes(p);
            try (InputStream in = MappingLoader.class.getResourceAsStream("/mappings/" + relative)) {
                if (in != null) return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new ConfigException("mapping " + relative + ": cannot read (" + e.getMessage() + ")");
        }
        throw new ConfigException("mapping " + relative + ": file not found in " + dir.toAbsolutePath() + " nor in the bundled mappings (check entsync.mapping.dir and entsync.mapping.profile)");
    }

    static Set<String> attributesOf(EntityMappingSpec spec) {
        Set<String> attrs = new LinkedHashSet<>();
        spec.fields.values().forEach(f -> collect(f, attrs));
        return attrs;
    }

    private static void collect(FieldSpec f, Set<String> attrs) {
        if (f.from != null) attrs.addAll(f.from);
        if (f.sameStructureAs != null) attrs.add(f.sameStructureAs);
        if (f.firstOf != null) f.firstOf.forEach(x -> collect(x, attrs));
    }

    private static String locationOf(com.fasterxml.jackson.core.JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    private static String path(UnrecognizedPropertyException e) {
        StringBuilder b = new StringBuilder();
        e.getPath().forEach(r -> b.append(b.length() == 0 ? "" : ".").append(r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]"));
        return b.toString();
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
