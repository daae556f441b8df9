package org.entsync.mapping;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.unboundid.ldap.sdk.Entry;
import org.entsync.config.ConfigException;
import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code mappings/<profile>/groups.yaml}: bindings that turn the directory's classes and groups into Moodle course
 * groups. Each binding (kind: class, group...) says which attributes give the students of a class/group and the
 * teachers who teach it (composite SDET values {@code <structure>$<code>[$...]}), how the group is named, and how
 * its courses are found: the courses where one of its teachers holds an editing role ({@code byTeacher}), and/or
 * the courses whose idnumber or shortname is the rendering of {@code courseKey.pattern}.
 * <p>
 * For each person it yields a record of class keys {@code <uai>$<kind>$<code>}: those they belong to as a student
 * ({@code students}) and those they teach ({@code teaches}).
 */
public final class GroupMapping {
    private static final Set<String> PLACEHOLDERS = Set.of("uai", "code", "kind", "school");

    public static class Spec {
        public String entity;
        /** Roles (shortnames) that make a teacher's course theirs: role_assignments in the course context. */
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> editingRoles = List.of("editingteacher");
        /** school-category: a teacher's course gets the groups of a school only if it lies under that school's category; any: every course. */
        public String courses = "school-category";
        public LinkedHashMap<String, Binding> bindings = new LinkedHashMap<>();
    }

    public static class Binding {
        public boolean enabled = true;
        public Side students;
        public Side teachers;
        /** Group name template: {code}, {uai}, {school}, {kind}. */
        public String name = "{code}";
        public boolean byTeacher = true;
        public CourseKey courseKey;
        public Grouping grouping = new Grouping();
        public Enrol enrol = new Enrol();
    }

    public static class Side {
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> from;
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        public List<String> profiles;
        /** from as the lookups in every person's entry want it ({@link MappingContext#lookupName}). */
        @com.fasterxml.jackson.annotation.JsonIgnore
        List<String> fromKeys = List.of();
    }

    public static class CourseKey {
        /** idnumber or shortname. */
        public String field = "idnumber";
        /** e.g. "{uai}${code}". */
        public String pattern;
    }

    public static class Grouping {
        public boolean enabled = false;
        public String name;
    }

    public static class Enrol {
        public boolean enabled = false;
        public String role = "student";
    }

    private final String file;
    private final Spec spec;
    private final Map<String, Binding> bindings;
    private final String salt;

    private GroupMapping(String file, Spec spec, String salt) {
        this.file = file;
        this.spec = spec;
        Map<String, Binding> b = new LinkedHashMap<>();
        spec.bindings.forEach((k, v) -> {
            if (v.enabled) b.put(k, v);
        });
        this.bindings = b;
        this.salt = salt;
    }

    /** The mapping file's content and the settings it depends on, as a hash salt. */
    public String salt() {
        return salt;
    }

    public static GroupMapping load(MappingLoader loader) {
        String file = loader.profile() + "/groups.yaml";
        byte[] bytes = loader.read(file);
        Spec spec = loader.readSpec(file, bytes, Spec.class);
        String where = "mapping " + file + ": ";
        if (!Set.of("school-category", "any").contains(spec.courses)) {
            throw new ConfigException(where + "courses: expected school-category or any, got " + spec.courses);
        }
        if (spec.editingRoles == null || spec.editingRoles.isEmpty()) throw new ConfigException(where + "editingRoles: at least one role shortname is required");
        for (String r : spec.editingRoles) {
            if (r == null || !r.matches("[a-z0-9_]{1,100}")) throw new ConfigException(where + "editingRoles: expected role shortnames (lower case), got '" + r + "'");
        }
        if (spec.bindings.isEmpty()) throw new ConfigException(where + "bindings: at least one binding (e.g. class) is required");
        spec.bindings.forEach((kind, b) -> {
            String w = where + "bindings." + kind + ".";
            if (!kind.matches("[a-z][a-z0-9-]{0,19}")) throw new ConfigException(where + "bindings." + kind + ": binding names are lower-case letters, digits and -, up to 20");
            if (b == null) throw new ConfigException(where + "bindings." + kind + ": empty binding");
            if (b.students == null || b.students.from == null || b.students.from.isEmpty()) throw new ConfigException(w + "students.from (attribute names) is required");
            if (b.students.profiles == null) b.students.profiles = List.of("ELV");
            b.students.fromKeys = MappingContext.lookupNames(b.students.from);
            if (b.teachers == null) {
                if (b.byTeacher) throw new ConfigException(w + "teachers.from is required when byTeacher is true");
            } else {
                if (b.teachers.from == null || b.teachers.from.isEmpty()) throw new ConfigException(w + "teachers.from (attribute names) is required");
                if (b.teachers.profiles == null) b.teachers.profiles = List.of("ENS", "DOC");
                b.teachers.fromKeys = MappingContext.lookupNames(b.teachers.from);
            }
            checkTemplate(w + "name", b.name);
            if (b.courseKey != null) {
                if (!Set.of("idnumber", "shortname").contains(b.courseKey.field)) throw new ConfigException(w + "courseKey.field: expected idnumber or shortname, got " + b.courseKey.field);
                if (b.courseKey.pattern == null || b.courseKey.pattern.isBlank()) throw new ConfigException(w + "courseKey.pattern is required (e.g. \"{uai}${code}\")");
                checkTemplate(w + "courseKey.pattern", b.courseKey.pattern);
                if (!b.courseKey.pattern.contains("{code}")) throw new ConfigException(w + "courseKey.pattern must contain {code}");
            }
            if (!b.byTeacher && b.courseKey == null) throw new ConfigException(w + "byTeacher is false and there is no courseKey: the binding would find no course");
            if (b.grouping == null) b.grouping = new Grouping();
            if (b.grouping.name == null) b.grouping.name = kind;
            if (b.enrol == null) b.enrol = new Enrol();
            if (b.enrol.role == null || !b.enrol.role.matches("[a-z0-9_]{1,100}")) throw new ConfigException(w + "enrol.role: expected a role shortname, got '" + b.enrol.role + "'");
        });
        return new GroupMapping(file, spec, loader.fingerprint(bytes));
    }

    private static void checkTemplate(String where, String t) {
        if (t == null || t.isBlank()) throw new ConfigException(where + ": a template is required");
        try {
            for (String n : new Template(t).names()) {
                if (!PLACEHOLDERS.contains(n)) throw new ConfigException(where + ": placeholder {" + n + "} is not one of " + new TreeSet<>(PLACEHOLDERS));
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    public String file() {
        return file;
    }

    public Map<String, Binding> bindings() {
        return bindings;
    }

    public List<String> editingRoles() {
        return spec.editingRoles;
    }

    public boolean anyCourse() {
        return spec.courses.equals("any");
    }

    /** Role shortnames the mapping names → the field naming each (for the start-up check). */
    public Map<String, String> roleFields() {
        Map<String, String> m = new LinkedHashMap<>();
        spec.editingRoles.forEach(r -> m.putIfAbsent(r, "editingRoles"));
        bindings.forEach((k, b) -> {
            if (b.enrol.enabled) m.putIfAbsent(b.enrol.role, "bindings." + k + ".enrol.role");
        });
        return m;
    }

    /** Attributes the bindings read. */
    public Set<String> attributes() {
        Set<String> a = new LinkedHashSet<>();
        bindings.values().forEach(b -> {
            a.addAll(b.students.from);
            if (b.teachers != null) a.addAll(b.teachers.from);
        });
        return a;
    }

    /** A class key: {@code <uai>$<kind>$<code>}. */
    public record Key(String uai, String kind, String code) {
        public static Key parse(String key) {
            int a = key.indexOf('$');
            int b = key.indexOf('$', a + 1);
            return new Key(key.substring(0, a), key.substring(a + 1, b), key.substring(b + 1));
        }

        @Override
        public String toString() {
            return uai + "$" + kind + "$" + code;
        }
    }

    /** The record of a person: the class keys they belong to as a student, and those they teach. */
    public MappedRecord keysOf(Entry entry, MappedRecord user, List<String> profiles, StructureDirectory structures, List<String> schools) {
        Set<String> students = new TreeSet<>();
        Set<String> teaches = new TreeSet<>();
        for (Map.Entry<String, Binding> be : bindings.entrySet()) {
            Binding b = be.getValue();
            collect(entry, profiles, b.students, be.getKey(), structures, schools, students);
            if (b.teachers != null) collect(entry, profiles, b.teachers, be.getKey(), structures, schools, teaches);
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("students", List.copyOf(students));
        fields.put("teaches", List.copyOf(teaches));
        return new MappedRecord(user.dn(), user.key(), fields, MappedRecord.hash(salt, fields));
    }

    private static void collect(Entry entry, List<String> profiles, Side side, String kind, StructureDirectory structures, List<String> schools, Set<String> out) {
        if (!side.profiles.isEmpty() && !Profiles.any(profiles, side.profiles)) return;
        for (String attr : side.fromKeys) {
            String[] values = entry.getAttributeValues(attr);
            if (values == null) continue;
            for (String v : values) {
                String[] p = structures.splitComposite(v, "$");
                if (p.length < 2) continue;
                String code = p[1].strip();
                if (code.isEmpty()) continue;
                Structure s = structures.resolve(p[0].strip(), "auto");
                if (s == null || s.uai() == null) continue;
                if (!schools.contains("*") && !schools.contains(s.uai())) continue;
                String key = s.uai() + "$" + kind + "$" + code;
                if (key.length() <= 200) out.add(key);
            }
        }
    }

    /** The group name for a class key. */
    public String groupName(Key k, String schoolName) {
        String n = new Template(bindings.get(k.kind()).name).render(placeholders(k, schoolName));
        return n.length() <= 254 ? n.strip() : FieldRule.cut(n, 254).strip();
    }

    /** The course idnumber/shortname a key-pattern binding gives a class key (null when the binding has none). */
    public String courseKey(Key k, String schoolName) {
        Binding b = bindings.get(k.kind());
        if (b == null || b.courseKey == null) return null;
        return new Template(b.courseKey.pattern).render(placeholders(k, schoolName));
    }

    private static java.util.function.Function<String, String> placeholders(Key k, String schoolName) {
        return n -> switch (n) {
            case "uai" -> k.uai();
            case "code" -> k.code();
            case "kind" -> k.kind();
            case "school" -> schoolName == null ? k.uai() : schoolName;
            default -> null;
        };
    }

    /** Kinds whose courses are found by key pattern. */
    public List<String> keyPatternKinds() {
        List<String> out = new ArrayList<>();
        bindings.forEach((k, b) -> {
            if (b.courseKey != null) out.add(k);
        });
        return out;
    }
}
