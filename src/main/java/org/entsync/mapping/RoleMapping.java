package org.entsync.mapping;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import org.entsync.config.ConfigException;
import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code mappings/<profile>/roles.yaml}: rules saying who gets which role (by shortname) where. A person's
 * assignments are written as {@code role|context} strings: {@code system}, {@code category:<UAI>},
 * {@code course:<idnumber>} or {@code user:<username>} (a child's user context, for parents).
 */
public final class RoleMapping {
    public static class Spec {
        public String entity;
        public List<Rule> rules = new ArrayList<>();
    }

    public static class Rule {
        public String name;
        public When when = new When();
        /** Role shortname, or {settings.x}. */
        public String role;
        /** system, school-category, child-user, or course:{template with {uai}}. */
        public String context;
    }

    public static class When {
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> profiles = List.of();
        /** Function codes of ENTPersonFonctions (second part), e.g. DIR. */
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> functions = List.of();
        /** An attribute whose value must match the pattern (e.g. isMemberOf for group membership). */
        public String attribute;
        public String pattern;
    }

    /** attributeKey: when.attribute as the lookups in every person's entry want it ({@link MappingContext#lookupName}). */
    private record CompiledRule(Rule rule, String role, Pattern pattern, String attributeKey, String coursePattern) {
    }

    private static final String FUNCTIONS = MappingContext.lookupName("ENTPersonFonctions");
    private static final String CHILDREN = MappingContext.lookupName("ENTAuxPersRelEleveEleve");

    private final String file;
    private final List<CompiledRule> rules;
    private final String salt;

    private RoleMapping(String file, List<CompiledRule> rules, String salt) {
        this.file = file;
        this.rules = rules;
        this.salt = salt;
    }

    /** The mapping file's content and the settings it depends on, as a hash salt. */
    public String salt() {
        return salt;
    }

    public static RoleMapping load(MappingLoader loader, Function<String, String> settings) {
        String file = loader.profile() + "/roles.yaml";
        byte[] bytes = loader.read(file);
        Spec spec = loader.readSpec(file, bytes, Spec.class);
        List<CompiledRule> out = new ArrayList<>();
        for (int i = 0; i < spec.rules.size(); i++) {
            Rule r = spec.rules.get(i);
            String w = "mapping " + file + ": rules[" + (i + 1) + "]" + (r.name == null ? "" : " (" + r.name + ")") + ": ";
            if (r.role == null) throw new ConfigException(w + "role (a role shortname) is required");
            String role = new Template(r.role).render(n -> n.startsWith("settings.") ? settings.apply("entsync." + n.substring(9)) : null);
            if (role == null) throw new ConfigException(w + "role: cannot resolve '" + r.role + "'");
            if (role.isBlank()) continue; // a rule whose role setting is empty is switched off
            if (r.context == null || !(Set.of("system", "school-category", "child-user").contains(r.context) || r.context.startsWith("course:"))) {
                throw new ConfigException(w + "context: expected system, school-category, child-user or course:<idnumber template>, got " + r.context);
            }
            Pattern p = null;
            if (r.when.attribute != null) {
                if (r.when.pattern == null) throw new ConfigException(w + "when.pattern is required with when.attribute");
                try {
                    p = Pattern.compile(r.when.pattern);
                } catch (RuntimeException e) {
                    throw new ConfigException(w + "when.pattern: invalid regular expression '" + r.when.pattern + "'");
                }
            }
            if (r.when.profiles.isEmpty() && r.when.functions.isEmpty() && r.when.attribute == null) {
                throw new ConfigException(w + "when needs profiles, functions or attribute + pattern");
            }
            out.add(new CompiledRule(r, role.trim(), p, MappingContext.lookupName(r.when.attribute), r.context.startsWith("course:") ? r.context.substring(7) : null));
        }
        return new RoleMapping(file, out, loader.fingerprint(bytes));
    }

    public String file() {
        return file;
    }

    /** Attributes the rules read. */
    public Set<String> attributes() {
        Set<String> a = new java.util.LinkedHashSet<>(List.of("ENTPersonFonctions", "ENTAuxPersRelEleveEleve"));
        rules.forEach(r -> {
            if (r.rule().when.attribute != null) a.add(r.rule().when.attribute);
        });
        return a;
    }

    /** Role shortnames the rules name: each must exist in Moodle (checked at start-up). */
    public Set<String> roleShortnames() {
        Set<String> s = new TreeSet<>();
        rules.forEach(r -> s.add(r.role()));
        return s;
    }

    /** The assignments (role|context) the rules give one synced person. */
    public MappedRecord assignmentsOf(Entry entry, MappedRecord user, List<String> profiles, List<String> schools,
                                      StructureDirectory structures, List<String> scope) {
        Set<String> out = new TreeSet<>();
        for (CompiledRule cr : rules) {
            When w = cr.rule().when;
            Set<String> where = new LinkedHashSet<>();
            boolean matched = false;
            if (!w.profiles.isEmpty() && Profiles.any(profiles, w.profiles)) {
                matched = true;
                where.addAll(schools);
            }
            if (!w.functions.isEmpty()) {
                for (String f : values(entry, FUNCTIONS)) {
                    String[] parts = structures.splitComposite(f, "$");
                    if (parts.length >= 2 && w.functions.contains(parts[1].strip().toUpperCase(Locale.ROOT))) {
                        Structure s = structures.resolve(parts[0], "auto");
                        if (s != null && s.uai() != null) {
                            matched = true;
                            where.add(s.uai());
                        }
                    }
                }
            }
            if (cr.pattern() != null) {
                for (String v : values(entry, cr.attributeKey())) {
                    if (cr.pattern().matcher(v).find()) {
                        matched = true;
                        where.addAll(schools);
                        break;
                    }
                }
            }
            if (!matched) continue;
            where.removeIf(u -> !scope.contains("*") && !scope.contains(u));
            String ctx = cr.rule().context;
            switch (ctx) {
                case "system" -> out.add(cr.role() + "|system");
                case "school-category" -> where.forEach(u -> out.add(cr.role() + "|category:" + u));
                case "child-user" -> {
                    for (String childDn : values(entry, CHILDREN)) {
                        String child = rdnValue(childDn);
                        if (child != null) out.add(cr.role() + "|user:" + child.toLowerCase(Locale.ROOT));
                    }
                }
                default -> where.forEach(u -> out.add(cr.role() + "|course:" + new Template(cr.coursePattern()).render(n -> n.equals("uai") ? u : null)));
            }
        }
        Map<String, List<String>> fields = Map.of("assignments", List.copyOf(out));
        return new MappedRecord(user.dn(), user.key(), fields, MappedRecord.hash(salt, fields));
    }

    private static String[] values(Entry e, String attr) {
        String[] v = e.getAttributeValues(attr);
        return v == null ? new String[0] : v;
    }

    private static String rdnValue(String dn) {
        try {
            return new DN(dn).getRDN().getAttributeValues()[0];
        } catch (Exception e) {
            return null;
        }
    }
}
