package org.entsync.mapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A mapping file ({@code mappings/<profile>/<entity>.yaml}) as written. */
public class EntityMappingSpec {
    public String entity;
    public Source source = new Source();
    /** The field whose value identifies the entry in Moodle and in the index. */
    public String key;
    public LinkedHashMap<String, FieldSpec> fields = new LinkedHashMap<>();
    /** Entries are synced only when this field has one of these values. */
    public Include include;
    /** Field holding the UAIs an entry belongs to; entries outside the instance's schools are ignored. */
    public String scopeField;
    public Write write = new Write();

    public static class Source {
        /** Base DN, may use {settings.ldap.peopleBase}. */
        public String base;
        public String filter;
        /** sub (default) or one. */
        public String scope;
    }

    public static class Include {
        public String field;
        /** Values, or one "{settings.x}" placeholder holding a comma list. */
        public List<String> anyOf;
    }

    public static class Write {
        /** Moodle column → mapped field. */
        public Map<String, String> columns = new LinkedHashMap<>();
        /** Custom profile field shortname → definition. */
        public Map<String, ProfileField> profileFields = new LinkedHashMap<>();
    }

    public static class ProfileField {
        public String field;
        public String name;
    }
}
