package org.entsync.mapping;

import com.unboundid.ldap.sdk.Entry;
import org.entsync.ldap.StructureDirectory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** A loaded and checked mapping of one entity: maps LDAP entries to {@link MappedRecord}s. */
public final class EntityMapping {
    private final String entity;
    private final String file;
    private final EntityMappingSpec spec;
    private final Map<String, FieldRule> rules;
    private final Set<String> includeValues;
    private final String salt;
    private final Function<String, String> settings;

    EntityMapping(String file, EntityMappingSpec spec, Map<String, FieldRule> rules, Set<String> includeValues,
                  String salt, Function<String, String> settings) {
        this.entity = spec.entity;
        this.file = file;
        this.spec = spec;
        this.rules = rules;
        this.includeValues = includeValues;
        this.salt = salt;
        this.settings = settings;
    }

    /** The mapping file's content and the settings it depends on, as a hash salt. */
    public String salt() {
        return salt;
    }

    public String entity() {
        return entity;
    }

    public String file() {
        return file;
    }

    public EntityMappingSpec spec() {
        return spec;
    }

    public String sourceBase() {
        return new Template(spec.source.base).render(n -> settings.apply("entsync." + n.substring("settings.".length())));
    }

    public String sourceFilter() {
        return spec.source.filter == null ? "(objectClass=*)" : spec.source.filter;
    }

    public boolean sourceOneLevel() {
        return "one".equals(spec.source.scope);
    }

    /** Attribute names the rules read: the LDAP search asks for these only. */
    public Set<String> attributes() {
        return MappingLoader.attributesOf(spec);
    }

    public Map<String, String> columns() {
        return spec.write.columns;
    }

    public Map<String, EntityMappingSpec.ProfileField> profileFields() {
        return spec.write.profileFields;
    }

    public String joinOf(String field) {
        FieldRule r = rules.get(field);
        return r == null ? "," : r.join;
    }

    /** Maps one entry; a value that cannot be mapped throws with the field and the reason. */
    public MappedRecord map(Entry entry, StructureDirectory structures) throws MappingException {
        MappingContext ctx = new MappingContext(entry, structures, settings);
        for (FieldRule r : rules.values()) {
            ctx.fields.put(r.name, r.evaluate(ctx));
        }
        Map<String, List<String>> fields = Collections.unmodifiableMap(new LinkedHashMap<>(ctx.fields));
        List<String> key = fields.get(spec.key);
        if (key == null || key.isEmpty()) throw new MappingException(spec.key, null, "the key field has no value");
        return new MappedRecord(entry.getDN(), key.get(0), fields, MappedRecord.hash(salt, fields));
    }

    /**
     * The key of an entry that failed to map, when the key field itself can still be computed (fields are
     * evaluated in order up to it); null otherwise.
     */
    public String keyOf(Entry entry, StructureDirectory structures) {
        MappingContext ctx = new MappingContext(entry, structures, settings);
        try {
            for (FieldRule r : rules.values()) {
                List<String> v = r.evaluate(ctx);
                if (r.name.equals(spec.key)) return v.isEmpty() ? null : v.get(0);
                ctx.fields.put(r.name, v);
            }
        } catch (MappingException e) {
            return null;
        }
        return null;
    }

    /** Whether the include rule (e.g. which profiles become users) keeps this record. */
    public boolean included(MappedRecord r) {
        if (spec.include == null) return true;
        for (String v : r.values(spec.include.field)) if (includeValues.contains(v.toUpperCase())) return true;
        return false;
    }

    /** Whether the record belongs to one of the schools (UAIs, or "*") this instance serves. */
    public boolean inScope(MappedRecord r, List<String> schools) {
        if (spec.scopeField == null || schools.contains("*")) return true;
        for (String uai : r.values(spec.scopeField)) if (schools.contains(uai.toUpperCase())) return true;
        return false;
    }
}
