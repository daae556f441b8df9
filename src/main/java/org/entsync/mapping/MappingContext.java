package org.entsync.mapping;

import com.unboundid.ldap.sdk.Entry;
import org.entsync.ldap.StructureDirectory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What a field rule can see while one entry is mapped: the entry, the fields already computed, lookups. */
public final class MappingContext {
    final Entry entry;
    final StructureDirectory structures;
    final Function<String, String> settings;
    final Map<String, List<String>> fields = new LinkedHashMap<>();

    public MappingContext(Entry entry, StructureDirectory structures, Function<String, String> settings) {
        this.entry = entry;
        this.structures = structures;
        this.settings = settings;
    }

    /** Sized for the ~20 attributes a users mapping reads: no resize on the way. */
    private final Map<String, String[]> attributeValues = new java.util.HashMap<>(64);

    /**
     * The entry's values of an attribute, decoded once per entry: several rules read the same attributes, and
     * UnboundID decodes them into new strings on every call (the top frame of the map stage). Do not modify.
     */
    String[] values(String attribute) {
        String[] v = attributeValues.get(attribute);
        if (v == null && !attributeValues.containsKey(attribute)) {
            v = entry.getAttributeValues(attribute);
            attributeValues.put(attribute, v);
        }
        return v;
    }

    /**
     * An attribute name as the lookups of every entry want it, once when a mapping loads: lower case, since UnboundID
     * lower-cases the name it is asked for, into a new string hashed anew, unless it already is.
     */
    static String lookupName(String attribute) {
        return attribute == null ? null : attribute.toLowerCase(java.util.Locale.ROOT);
    }

    static List<String> lookupNames(List<String> attributes) {
        return attributes.stream().map(MappingContext::lookupName).toList();
    }

    /** Resolves a placeholder: a part name, an earlier field, or settings.x (entsync.x). */
    String resolve(String name, Map<String, String> parts) {
        if (parts != null && parts.containsKey(name)) return parts.get(name);
        if (name.startsWith("settings.")) return settings.apply("entsync." + name.substring("settings.".length()));
        List<String> v = fields.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
