package org.entsync.mapping;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.unboundid.ldap.sdk.Entry;
import org.entsync.config.ConfigException;
import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code mappings/<profile>/cohorts.yaml}: kinds of cohorts derived from people's attributes (classes, groups,
 * teachers of a class, everyone of a profile in a school). For each person it yields the cohorts they belong to;
 * each cohort is identified by an idnumber template and named by a name template, with {uai}, {school} (the
 * structure's name) and the named parts of the value as placeholders.
 */
public final class CohortMapping {
    public static class Spec {
        public String entity;
        /** category (the school's category context) or system. */
        public String context = "category";
        public LinkedHashMap<String, Kind> kinds = new LinkedHashMap<>();
    }

    public static class Kind {
        public boolean enabled = true;
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> from;
        /** from as the lookups in every person's entry want it ({@link MappingContext#lookupName}). */
        @com.fasterxml.jackson.annotation.JsonIgnore
        List<String> fromKeys = List.of();
        /** National profiles of the people this kind applies to (empty = everyone synced). */
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> profiles = List.of();
        /** Names of the $-separated parts; one must be "structure". */
        public List<String> parts = List.of("structure", "code");
        public String idnumber;
        public String name;
    }

    /** One cohort a person belongs to. */
    public record Cohort(String idnumber, String name, String uai, String kind) {
    }

    private final String file;
    private final Spec spec;
    private final List<Map.Entry<String, Kind>> kinds;
    private final String yearPrefix;
    private final String salt;
    /** The idnumber and name templates of the kinds, parsed once (not for every person). */
    private final Map<String, Template> templates = new java.util.HashMap<>();

    private CohortMapping(String file, Spec spec, String yearPrefix, String salt) {
        this.file = file;
        this.spec = spec;
        this.kinds = spec.kinds.entrySet().stream().filter(k -> k.getValue().enabled).toList();
        kinds.forEach(k -> {
            templates.put(k.getValue().idnumber, new Template(k.getValue().idnumber));
            templates.put(k.getValue().name, new Template(k.getValue().name));
        });
        this.yearPrefix = yearPrefix;
        this.salt = salt;
    }

    /** The mapping file's content and the settings it depends on, as a hash salt. */
    public String salt() {
        return salt;
    }

    public static CohortMapping load(MappingLoader loader, String yearPrefix) {
        String file = loader.profile() + "/cohorts.yaml";
        byte[] bytes = loader.read(file);
        Spec spec = loader.readSpec(file, bytes, Spec.class);
        String where = "mapping " + file + ": ";
        if (!Set.of("category", "system").contains(spec.context)) throw new ConfigException(where + "context: expected category or system, got " + spec.context);
        if (spec.kinds.isEmpty()) throw new ConfigException(where + "kinds: at least one kind of cohort is required");
        spec.kinds.forEach((name, k) -> {
            String w = where + "kinds." + name + ": ";
            if (!name.matches("[a-z][a-z0-9-]{0,19}")) throw new ConfigException(w + "kind names are lower-case letters, digits and -, up to 20");
            if (k.from == null || k.from.isEmpty()) throw new ConfigException(w + "from (attribute names) is required");
            if (!k.parts.contains("structure")) throw new ConfigException(w + "parts must name the structure part, e.g. [structure, code]");
            if (k.idnumber == null || k.name == null) throw new ConfigException(w + "idnumber and name templates are required");
            for (String t : List.of(k.idnumber, k.name)) {
                for (String n : new Template(t).names()) {
                    if (!n.equals("uai") && !n.equals("school") && !n.equals("kind") && !k.parts.contains(n)) {
                        throw new ConfigException(w + "placeholder {" + n + "} is not uai, school, kind or a part name " + k.parts);
                    }
                }
            }
            if (!k.idnumber.contains("{uai}")) throw new ConfigException(w + "the idnumber template must contain {uai} so that idnumbers are unique per site");
            k.fromKeys = MappingContext.lookupNames(k.from);
        });
        return new CohortMapping(file, spec, yearPrefix == null ? "" : yearPrefix, loader.fingerprint(bytes));
    }

    public String file() {
        return file;
    }

    /** Attributes the enabled kinds read. */
    public Set<String> attributes() {
        Set<String> a = new java.util.LinkedHashSet<>();
        kinds.forEach(k -> a.addAll(k.getValue().from));
        return a;
    }

    public boolean systemContext() {
        return spec.context.equals("system");
    }

    public String yearPrefix() {
        return yearPrefix;
    }

    /** The cohorts one (synced) person belongs to, in the schools this instance serves. */
    public List<Cohort> cohortsOf(Entry entry, MappedRecord user, List<String> profiles, StructureDirectory structures, List<String> schools) {
        List<Map<String, Optional<Cohort>>> known = known(structures, schools);
        Map<String, Cohort> out = new LinkedHashMap<>();
        for (int i = 0; i < kinds.size(); i++) {
            Map.Entry<String, Kind> ke = kinds.get(i);
            Kind k = ke.getValue();
            if (!k.profiles.isEmpty() && !Profiles.any(profiles, k.profiles)) continue;
            Map<String, Optional<Cohort>> byValue = known.get(i);
            for (String attr : k.fromKeys) {
                String[] values = entry.getAttributeValues(attr);
                if (values == null) continue;
                for (String v : values) {
                    Optional<Cohort> c = byValue.get(v);
                    if (c == null) {
                        c = Optional.ofNullable(cohortOf(ke.getKey(), k, v, structures, schools));
                        if (byValue.size() < KNOWN_CAP) byValue.put(v, c);
                    }
                    c.ifPresent(x -> out.putIfAbsent(x.idnumber(), x));
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    /** The cohort of this kind one attribute value names; null when it names none this instance serves. */
    private Cohort cohortOf(String kind, Kind k, String v, StructureDirectory structures, List<String> schools) {
        String[] p = structures.splitComposite(v, "$");
        if (p.length < k.parts.size()) return null;
        Map<String, String> parts = new LinkedHashMap<>();
        for (int i = 0; i < k.parts.size(); i++) parts.put(k.parts.get(i), p[i].strip());
        Structure s = structures.resolve(parts.get("structure"), "auto");
        if (s == null || s.uai() == null) return null;
        if (!schools.contains("*") && !schools.contains(s.uai())) return null;
        parts.put("uai", s.uai());
        parts.put("school", s.name() == null ? s.uai() : s.name());
        parts.put("kind", kind);
        if (parts.containsValue("")) return null;
        String idnumber = yearPrefix + templates.get(k.idnumber).render(parts::get);
        String name = templates.get(k.name).render(parts::get);
        return new Cohort(cut(idnumber, 100), cut(name, 254), s.uai(), kind);
    }

    /**
     * Per enabled kind, the cohort (or none) each attribute value gives with these structures and schools: a class
     * value comes back on each of its students, and splitting, resolving and rendering it was most of the cohorts'
     * mapping. Bounded per kind; made again when a run brings other structures or another school list.
     */
    private record Known(StructureDirectory structures, List<String> schools, List<Map<String, Optional<Cohort>>> byKind) {
    }

    private static final int KNOWN_CAP = 50_000;
    private volatile Known known;

    private List<Map<String, Optional<Cohort>>> known(StructureDirectory structures, List<String> schools) {
        Known k = known;
        if (k == null || k.structures() != structures || !k.schools().equals(schools)) {
            List<Map<String, Optional<Cohort>>> byKind = new ArrayList<>();
            kinds.forEach(x -> byKind.add(new ConcurrentHashMap<>()));
            k = new Known(structures, schools, List.copyOf(byKind));
            known = k;
        }
        return k.byKind();
    }

    /** The membership record of a person: key = their username, content = the sorted idnumbers. */
    public MappedRecord membership(String username, String dn, List<Cohort> cohorts) {
        TreeSet<String> ids = new TreeSet<>();
        cohorts.forEach(c -> ids.add(c.idnumber()));
        Map<String, List<String>> fields = Map.of("cohorts", List.copyOf(ids));
        return new MappedRecord(dn, username, fields, MappedRecord.hash(salt, fields));
    }

    /** The definition record of a cohort: key = idnumber, content = name and school. */
    public MappedRecord definition(Cohort c) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("name", List.of(c.name()));
        fields.put("uai", List.of(c.uai()));
        fields.put("kind", List.of(c.kind()));
        return new MappedRecord(null, c.idnumber(), fields, MappedRecord.hash(salt + spec.context, fields));
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : FieldRule.cut(s, max);
    }
}
