package org.entsync.generator;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldif.LDIFWriter;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Deterministic generator of a synthetic SDET (ENT) directory in the ESCO layout.
 *
 * <p>DIT: {@code ou=people,<suffix>} (RDN {@code uid}), {@code ou=structures,<suffix>} (RDN
 * {@code ENTStructureSIREN}), {@code ou=groups,<suffix>} (RDN {@code cn}). Entries are streamed to a
 * sink in this order: all structures, then the people of each school, then the groups of each school.
 * Nothing proportional to the number of people is kept in memory: every person is a pure function of
 * (seed, school, index), class membership and parent/child links are derived from indexes, and the
 * only state is a login-homonym counter bounded by the number of distinct first/last name pairs.
 */
public final class SdetGenerator {

    public static final String ACADEMIE = "DEMO";
    public static final String JOINTURE_SOURCE = "AC-" + ACADEMIE;
    public static final String TYPE_COLLEGE = "COLLEGE";
    public static final String TYPE_LYCEE = "LYCEE D ENSEIGNEMENT GENERAL";
    public static final String MINISTERE = "MINISTERE DE L'EDUCATION NATIONALE";
    /** Year the synthetic school year starts in (birth dates are relative to it, never to "now"). */
    public static final int REFERENCE_YEAR = 2025;

    static final int STUDENTS_PER_CLASS = 28;
    private static final long UID_SPACE = GeneratorOptions.MAX_PEOPLE; // 36^5
    private static final String UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";

    private static final String[] SCHOOL_NAMES = {
        "VICTOR HUGO", "JEAN MOULIN", "JULES FERRY", "MARIE CURIE", "LOUIS PASTEUR", "JEAN JAURES",
        "DE L'IROISE", "ALBERT CAMUS", "GEORGE SAND", "JACQUES PREVERT", "SIMONE VEIL", "PAUL ELUARD",
        "ANNE FRANK", "JEAN MONNET", "ARISTIDE BRIAND", "LES TILLEULS", "DU VAL D'ARGENT", "EMILE ZOLA"};

    private static final String[] SN = {
        "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
        "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
        "MOREL", "GIRARD", "ANDRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANCOIS", "MARTINEZ", "LEGRAND",
        "GARNIER", "FAURE", "ROUSSEAU", "BLANC", "GUERIN", "MULLER", "HENRY", "ROUSSEL", "NICOLAS", "PERRIN",
        "MORIN", "MATHIEU", "CLEMENT", "GAUTHIER", "DUMONT", "LOPEZ", "FONTAINE", "CHEVALIER", "ROBIN", "COLIN",
        "D'ALMEIDA", "LE-GALL", "LE GOFF", "N'DIAYE", "DE SOUSA", "LE-BRIS", "D'ARGENT", "NGUYEN", "LE ROUX",
        "KERGUELEN"};

    private static final String[] CHILD_F = {
        "Élodie", "Zoé", "Emma", "Louise", "Léa", "Chloé", "Inès", "Camille", "Manon", "Anaïs", "Sarah", "Jade",
        "Lina", "Julie", "Alice", "Noémie", "Maëlle", "Lucie", "Clara", "Océane"};
    private static final String[] CHILD_M = {
        "Gaëtan", "Noël", "François", "Lucas", "Hugo", "Jules", "Nathan", "Maël", "Corentin", "Arthur",
        "Raphaël", "Théo", "Loïc", "Clément", "Paul", "Tom", "Louis", "Enzo", "Mathis", "Jérémy"};
    private static final String[] ADULT_F = {
        "Nathalie", "Sandrine", "Valérie", "Céline", "Isabelle", "Sophie", "Hélène", "Véronique", "Agnès",
        "Christine", "Stéphanie", "Aurélie", "Claire", "Anne", "Béatrice", "Laurence"};
    private static final String[] ADULT_M = {
        "Christophe", "Stéphane", "Frédéric", "Jérôme", "Hervé", "Olivier", "Thierry", "Laurent", "Gaëtan",
        "Noël", "François", "Pascal", "Nicolas", "Éric", "Benoît", "Yannick"};

    /** A taught subject: discipline (Fonctions) and matière (ClassesMatieres) codes; plausible, not official. */
    private record Subject(String discCode, String discLabel, String matCode, String matLabel, boolean lyceeOnly) {
    }

    private static final Subject[] SUBJECTS = {
        new Subject("L0422", "ANGLAIS", "030201", "ANGLAIS LV1", false),
        new Subject("L0426", "ESPAGNOL", "030602", "ESPAGNOL LV2", false),
        new Subject("L0421", "ALLEMAND", "030102", "ALLEMAND LV2", false),
        new Subject("L1300", "MATHEMATIQUES", "061300", "MATHEMATIQUES", false),
        new Subject("L0202", "LETTRES MODERNES", "020100", "FRANCAIS", false),
        new Subject("L1000", "HISTOIRE GEOGRAPHIE", "040300", "HISTOIRE-GEOGRAPHIE", false),
        new Subject("L1500", "PHYSIQUE CHIMIE", "061000", "PHYSIQUE-CHIMIE", false),
        new Subject("L1600", "SCIENCES DE LA VIE ET DE LA TERRE", "062900", "SCIENCES VIE & TERRE", false),
        new Subject("L1900", "EDUCATION PHYSIQUE ET SPORTIVE", "100100", "ED.PHYSIQUE & SPORT.", false),
        new Subject("L1800", "ARTS PLASTIQUES", "080100", "ARTS PLASTIQUES", false),
        new Subject("L1700", "EDUCATION MUSICALE", "081200", "EDUCATION MUSICALE", false),
        new Subject("L0100", "PHILOSOPHIE", "010100", "PHILOSOPHIE", true),
        new Subject("L1100", "SCIENCES ECONOMIQUES ET SOCIALES", "070400", "SC. ECONOMIQ.& SOCIALES", true)};

    /**
     * A level (niveau) of a school.
     *
     * @param groupLevel the level segment of the ESCO group cn
     */
    private record Level(String code, String shortCode, String mef, String libelleMef, String nivFormation,
                         String filiere, String groupLevel, int age) {
    }

    private static final Level[] COLLEGE_LEVELS = {
        new Level("6EME", "6", "10010012110", "6EME", "6EME", "6EME", "6EME", 11),
        new Level("5EME", "5", "10110001110", "5EME", "5EME", "5EME", "5EME", 12),
        new Level("4EME", "4", "10210001110", "4EME", "4EME", "4EME", "4EME", 13),
        new Level("3EME", "3", "10310019110", "3EME", "3EME", "3EME", "3EME", 14)};
    private static final Level[] LYCEE_LEVELS = {
        new Level("2NDE", "2", "20010018110", "2NDE GENERALE & TECHNO.", "2NDE GENERALE & TECHNO YC BT",
                "2NDE GENERALE & TECHNOLOGIQUE", "SECONDE GENERALE et TECHNO YC BT", 15),
        new Level("1ERE", "1", "20111010110", "1ERE S-SVT", "PREMIERE GENERALE & TECHNO YC BT",
                "1ERE GENERALE", "PREMIERE GENERALE et TECHNOYC BT", 16),
        new Level("TERM", "T", "20211010110", "TERMINALE SCIENTIFIQUE SVT", "TERMINALE GENERALE & TECHNO YC BT",
                "TERMINALE GENERALE", "TERMINALE GENERALE et TECHNO YC BT", 17)};
    private static final String[] LYCEE_SERIES = {"S", "ES", "L"};
    private static final String[] GROUP_SUFFIXES = {"LATIN", "ESP-GR1", "ALL-GR1", "AP-GR2"};

    private final GeneratorOptions options;
    private final String suffix;
    private final String peopleBase;
    private final String structuresBase;
    private final DN groupsDn;
    private final String mailDomain;
    private final long uidMul;
    private final long uidAdd;
    private final long joinAdd;
    private final int nameOffset;
    private final Counts counts;

    /** Per-school head counts; identical for every school. */
    private record Counts(int students, int teachers, int staff, int parents, int classes) {
        static Counts of(int m) {
            int staff = Math.max(1, (int) Math.round(m * 0.04));
            int teachers = Math.min((int) Math.round(m * 0.10), m - staff);
            int students = Math.min((int) Math.round(m * 0.80), m - staff - teachers);
            int parents = m - staff - teachers - students;
            if (students == 0) { // parents need children
                students = parents;
                parents = 0;
            }
            int classes = students == 0 ? 0 : (int) Math.ceil(students / (double) STUDENTS_PER_CLASS);
            return new Counts(students, teachers, staff, parents, classes);
        }
    }

    /** A school with its derived identifiers. */
    private record SchoolInfo(int index, String dn, String uai, String siren, String name, String nomCourant,
                              String type, Level[] levels, List<String> classNames, List<Level> classLevels,
                              String groupPrefix) {
        boolean college() {
            return levels == COLLEGE_LEVELS;
        }
    }

    public SdetGenerator(GeneratorOptions options) {
        this.options = options;
        this.suffix = options.suffix();
        this.peopleBase = ",ou=people," + suffix;
        this.structuresBase = ",ou=structures," + suffix;
        this.groupsDn = dnOf("ou=groups," + suffix);
        this.mailDomain = mailDomain(suffix);
        SplittableRandom r = new SplittableRandom(mix(options.seed(), 0x5DE7L));
        // affine bijection on [0, 36^5): the multiplier must be prime to 2 and 3
        long mul = 1_000_003L + 6L * r.nextInt(1_000_000);
        this.uidMul = mul % 6 == 1 || mul % 6 == 5 ? mul : mul + 2;
        this.uidAdd = r.nextLong(UID_SPACE);
        this.joinAdd = r.nextLong(10_000_000L);
        this.nameOffset = r.nextInt(SCHOOL_NAMES.length);
        this.counts = Counts.of(options.peoplePerSchool());
    }

    public GeneratorOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ public entry points

    /** The suffix entry and {@code ou=people}, {@code ou=structures}, {@code ou=groups}. */
    public static List<Entry> baseEntries(String suffix) {
        List<Entry> out = new ArrayList<>();
        out.add(suffixEntry(suffix));
        for (String ou : List.of("people", "structures", "groups")) {
            Entry e = new Entry("ou=" + ou + "," + suffix);
            e.addAttribute("objectClass", "top", "organizationalUnit");
            e.addAttribute("ou", ou);
            out.add(e);
        }
        return out;
    }

    /** An entry for the suffix itself, built from its RDN ({@code dc}, {@code o} or {@code ou}). */
    public static Entry suffixEntry(String suffix) {
        RDN rdn;
        try {
            rdn = new DN(suffix).getRDN();
        } catch (LDAPException e) {
            throw new IllegalArgumentException("bad suffix " + suffix, e);
        }
        String attr = rdn.getAttributeNames()[0];
        String value = rdn.getAttributeValues()[0];
        Entry e = new Entry(suffix);
        switch (attr.toLowerCase(Locale.ROOT)) {
            case "dc" -> {
                e.addAttribute("objectClass", "top", "dcObject", "organization");
                e.addAttribute("dc", value);
                e.addAttribute("o", value);
            }
            case "o" -> {
                e.addAttribute("objectClass", "top", "organization");
                e.addAttribute("o", value);
            }
            case "ou" -> {
                e.addAttribute("objectClass", "top", "organizationalUnit");
                e.addAttribute("ou", value);
            }
            default -> {
                e.addAttribute("objectClass", "top", "extensibleObject");
                e.addAttribute(attr, value);
            }
        }
        return e;
    }

    /** Writes the base entries then the generated directory as LDIF (non-ASCII values base64-encoded). */
    public static GeneratedDirectory writeLdif(GeneratorOptions options, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             LDIFWriter w = new LDIFWriter(os)) {
            for (Entry e : baseEntries(options.suffix())) w.writeEntry(e);
            try {
                return new SdetGenerator(options).generate(e -> {
                    try {
                        w.writeEntry(e);
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                });
            } catch (UncheckedIOException ex) {
                throw ex.getCause();
            }
        }
    }

    /** {@code --schools N --people-per-school M --seed S --out file.ldif [--suffix dc=...]}. */
    public static void main(String[] args) throws IOException {
        int schools = 3;
        int people = 100;
        long seed = 1;
        String suffix = GeneratorOptions.DEFAULT_SUFFIX;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--schools" -> { schools = Integer.parseInt(v); i++; }
                case "--people-per-school" -> { people = Integer.parseInt(v); i++; }
                case "--seed" -> { seed = Long.parseLong(v); i++; }
                case "--suffix" -> { suffix = v; i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "-h", "--help" -> {
                    System.out.println("usage: SdetGenerator --schools N --people-per-school M --seed S --out file.ldif [--suffix DN]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out is required");
        long t0 = System.nanoTime();
        GeneratedDirectory d = writeLdif(new GeneratorOptions(schools, people, seed, suffix), out);
        System.out.printf("wrote %s: %d schools, %d people %s, %d groups, %d dual-school teachers in %d ms%n",
                out, d.schools().size(), d.people(), d.profileCounts(), d.groups(), d.dualSchoolTeachers(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Streams structures, then people, then groups to {@code sink} (not the base entries: see
     * {@link #baseEntries(String)}).
     */
    public GeneratedDirectory generate(Consumer<Entry> sink) {
        int n = options.schools();
        List<SchoolInfo> schools = new ArrayList<>(n);
        for (int s = 0; s < n; s++) schools.add(school(s));

        long[] entries = {0};
        Consumer<Entry> out = e -> {
            entries[0]++;
            sink.accept(e);
        };
        Map<String, Integer> profiles = new LinkedHashMap<>();
        for (String p : List.of("ELV", "ENS", "DOC", "DIR", "EVS", "ETA", "TUT")) profiles.put(p, 0);

        for (SchoolInfo s : schools) out.accept(structureEntry(s));

        Map<String, Integer> logins = new HashMap<>();
        long people = 0;
        long dual = 0;
        for (SchoolInfo s : schools) {
            int m = options.peoplePerSchool();
            for (int i = 0; i < m; i++) {
                Entry e = person(s, i, schools, logins);
                String profile = e.getAttributeValue("x-profile");
                e.removeAttribute("x-profile");
                profiles.merge(profile, 1, Integer::sum);
                if (e.hasAttribute("x-dual")) {
                    dual++;
                    e.removeAttribute("x-dual");
                }
                out.accept(e);
                people++;
            }
        }

        long groups = 0;
        for (SchoolInfo s : schools) groups += groups(s, schools, out);

        List<GeneratedDirectory.School> summary = new ArrayList<>();
        for (SchoolInfo s : schools) {
            summary.add(new GeneratedDirectory.School(s.index(), s.dn(), s.uai(), s.siren(), s.name(), s.nomCourant(),
                    s.type(), counts.students(), counts.teachers(), counts.staff(), counts.parents(), s.classNames()));
        }
        return new GeneratedDirectory(suffix, summary, profiles, people, groups, dual, entries[0]);
    }

    // ------------------------------------------------------------------ identifiers

    private SchoolInfo school(int s) {
        String base = SCHOOL_NAMES[(s + nameOffset) % SCHOOL_NAMES.length];
        String name = s < SCHOOL_NAMES.length ? base : base + " " + (s / SCHOOL_NAMES.length + 1);
        boolean college = s % 2 == 0;
        // "0" + 6 digits: bijection on [0, 10^6) (7919 is prime to 10), so unique for up to 10^6 schools
        long uaiNum = ((long) s * 7_919L + joinAdd) % 1_000_000L;
        String uai = String.format(Locale.ROOT, "%07d", uaiNum) + UAI_LETTERS.charAt((int) (uaiNum % 23));
        String siren13 = "199" + String.format(Locale.ROOT, "%07d", uaiNum) + "000";
        String siren = siren13 + luhnDigit(siren13);
        String dn = "ENTStructureSIREN=" + siren + structuresBase;
        String nomCourant = (college ? "CLG-" : "LG-") + name + "-ac-" + ACADEMIE;
        Level[] levels = college ? COLLEGE_LEVELS : LYCEE_LEVELS;
        List<String> classNames = new ArrayList<>(counts.classes());
        List<Level> classLevels = new ArrayList<>(counts.classes());
        for (int c = 0; c < counts.classes(); c++) {
            Level lvl = levels[c % levels.length];
            int k = c / levels.length; // k-th class of that level
            classLevels.add(lvl);
            classNames.add(className(college, lvl, k));
        }
        String groupPrefix = "esco:Etablissements:" + name.replace('\'', ' ') + "_" + uai + ":";
        return new SchoolInfo(s, dn, uai, siren, name, nomCourant, college ? TYPE_COLLEGE : TYPE_LYCEE, levels,
                classNames, classLevels, groupPrefix);
    }

    private static String className(boolean college, Level lvl, int k) {
        if (college) {
            char letter = (char) ('A' + k % 26);
            return lvl.shortCode() + letter + (k < 26 ? "" : String.valueOf(k / 26));
        }
        String series = LYCEE_SERIES[k % LYCEE_SERIES.length];
        int num = k / LYCEE_SERIES.length + 1;
        return switch (lvl.code()) {
            case "2NDE" -> "2NDE" + (k + 1);
            case "1ERE" -> "1ERE " + series + num;
            default -> "T" + series + num;
        };
    }

    private String uid(int school, int i) {
        long g = (long) school * options.peoplePerSchool() + i;
        long v = Math.floorMod(g * uidMul + uidAdd, UID_SPACE);
        String b36 = Long.toString(v, 36);
        return "f17" + "0".repeat(5 - b36.length()) + b36;
    }

    private String personDn(int school, int i) {
        return "uid=" + uid(school, i) + peopleBase;
    }

    private long jointureNumber(int school, int i) {
        long g = (long) school * options.peoplePerSchool() + i;
        return 10_000_000L + Math.floorMod(g * 7_777_777L + joinAdd, 90_000_000L); // 7777777 is prime to 10 -> bijection
    }

    private SplittableRandom rng(int school, int i) {
        long g = (long) school * options.peoplePerSchool() + i;
        return new SplittableRandom(mix(options.seed(), g));
    }

    static long mix(long seed, long v) {
        long z = seed * 0x9E3779B97F4A7C15L + v * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int luhnDigit(String digits) {
        int sum = 0;
        // the check digit will be at position 0 from the right, so the rightmost payload digit is doubled
        for (int k = 0; k < digits.length(); k++) {
            int d = digits.charAt(digits.length() - 1 - k) - '0';
            if (k % 2 == 0) {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }

    private static String mailDomain(String suffix) {
        try {
            StringBuilder b = new StringBuilder();
            for (RDN r : new DN(suffix).getRDNs()) {
                if (r.getAttributeNames()[0].equalsIgnoreCase("dc")) {
                    if (b.length() > 0) b.append('.');
                    b.append(r.getAttributeValues()[0].toLowerCase(Locale.ROOT));
                }
            }
            return b.length() == 0 ? "ent-demo.fr" : b.toString();
        } catch (LDAPException e) {
            return "ent-demo.fr";
        }
    }

    // ------------------------------------------------------------------ entries

    private Entry structureEntry(SchoolInfo s) {
        Entry e = new Entry(s.dn());
        e.addAttribute("objectClass", "top", "organizationalUnit", "ENTStructure", "ENTEtablissement");
        e.addAttribute("ou", s.nomCourant());
        e.addAttribute("ENTStructureSIREN", s.siren());
        e.addAttribute("ENTStructureUAI", s.uai());
        e.addAttribute("ENTStructureNomCourant", s.nomCourant());
        e.addAttribute("ENTStructureJointure", JOINTURE_SOURCE + "$" + (1000 + s.index()));
        e.addAttribute("ENTStructureTypeStruct", s.type());
        e.addAttribute("ESCOStructureNomCourt", (s.college() ? "COLLÈGE " : "LYCÉE ") + s.name());
        e.addAttribute("ENTEtablissementContrat", "PU");
        e.addAttribute("ENTEtablissementMinistereTutelle", MINISTERE);
        List<String> classes = new ArrayList<>(s.classNames().size());
        for (int c = 0; c < s.classNames().size(); c++) {
            String cl = s.classNames().get(c);
            classes.add(cl + "$" + cl + "$" + s.classLevels().get(c).mef());
        }
        if (!classes.isEmpty()) e.addAttribute("ENTStructureClasses", classes);
        e.addAttribute("postalCode", String.format(Locale.ROOT, "99%03d", s.index() % 1000));
        e.addAttribute("l", "DEMOVILLE");
        return e;
    }

    private enum Role { STUDENT, TEACHER, DOC, DIR, EVS, ETA, PARENT }

    private Role role(int i) {
        Counts c = counts;
        if (i < c.students()) return Role.STUDENT;
        int j = i - c.students();
        if (j < c.teachers()) return j % 25 == 3 ? Role.DOC : Role.TEACHER;
        j -= c.teachers();
        if (j < c.staff()) return j == 0 ? Role.DIR : (j % 2 == 1 ? Role.EVS : Role.ETA);
        return Role.PARENT;
    }

    /** Teacher index j (within the teacher range) teaching in a second school: about 5 % of teachers. */
    private boolean dualTeacher(int j) {
        return options.schools() > 1 && j % 20 == 1 && j % 25 != 3;
    }

    private record Name(boolean female, String given, String sn) {
    }

    /** The first draws of a person's RNG: used to recompute a child's surname for its parent. */
    private static Name name(SplittableRandom r, boolean adult) {
        boolean female = r.nextBoolean();
        String[] givens = adult ? (female ? ADULT_F : ADULT_M) : (female ? CHILD_F : CHILD_M);
        String given = givens[r.nextInt(givens.length)];
        String sn = SN[r.nextInt(SN.length)];
        return new Name(female, given, sn);
    }

    private Entry person(SchoolInfo s, int i, List<SchoolInfo> schools, Map<String, Integer> logins) {
        Role role = role(i);
        SplittableRandom r = rng(s.index(), i);
        Name nm = name(r, role != Role.STUDENT);
        if (role == Role.PARENT) {
            // parent: same family name as the first child most of the time
            int child = r.nextInt(counts.students());
            Name childName = name(rng(s.index(), child), false);
            if (r.nextInt(10) < 8) nm = new Name(nm.female(), nm.given(), childName.sn());
            return parent(s, i, r, nm, logins, child);
        }

        Entry e = new Entry(personDn(s.index(), i));
        String oc = switch (role) {
            case STUDENT -> "ENTEleve";
            case TEACHER, DOC -> "ENTAuxEnseignant";
            default -> "ENTAuxNonEnsEtab";
        };
        e.addAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", oc);
        identity(e, s, i, r, nm, logins, role == Role.STUDENT ? 7 : 10);
        e.addAttribute("ENTPersonStructRattach", s.dn());

        switch (role) {
            case STUDENT -> student(e, s, i, r, nm);
            case TEACHER, DOC -> teacher(e, s, i, r, schools, role == Role.DOC);
            case DIR -> {
                e.addAttribute("ENTPersonProfils", "National_DIR");
                e.addAttribute("ENTPersonFonctions", s.dn() + "$DIR$DIRECTION$-$SANS OBJET");
                e.addAttribute("x-profile", "DIR");
            }
            case EVS -> {
                e.addAttribute("ENTPersonProfils", profiles(r, "National_EVS", "National_5"));
                e.addAttribute("ENTPersonFonctions", s.dn() + "$AED$ASSISTANT D'EDUCATION$-$SANS OBJET");
                e.addAttribute("x-profile", "EVS");
            }
            case ETA -> {
                e.addAttribute("ENTPersonProfils", profiles(r, "National_ETA", "National_6"));
                e.addAttribute("ENTPersonFonctions", s.dn() + "$ADF$PERSONNELS ADMINISTRATIFS$-$SANS OBJET");
                e.addAttribute("x-profile", "ETA");
            }
            default -> throw new IllegalStateException();
        }
        if (role != Role.STUDENT) {
            e.addAttribute("personalTitle", nm.female() ? "Mme" : "M");
            e.addAttribute("ENTPersonDateNaissance", birthDate(r, REFERENCE_YEAR - 25 - r.nextInt(38)));
        }
        return e;
    }

    /** cn, sn, givenName, displayName, mail (probability mailPercent/10), login, jointure, sex. */
    private String identity(Entry e, SchoolInfo s, int i, SplittableRandom r, Name nm, Map<String, Integer> logins,
                            int mailTenths) {
        String uid = uid(s.index(), i);
        e.addAttribute("uid", uid);
        e.addAttribute("cn", nm.sn() + " " + nm.given().toUpperCase(Locale.ROOT));
        e.addAttribute("sn", nm.sn());
        e.addAttribute("givenName", nm.given());
        e.addAttribute("displayName", nm.given() + " " + nm.sn());
        String base = ascii(nm.given()) + "." + ascii(nm.sn());
        int n = logins.merge(base, 1, Integer::sum);
        String login = n == 1 ? base : base + n;
        if (r.nextInt(10) < mailTenths) e.addAttribute("mail", login + "@" + mailDomain);
        e.addAttribute("ENTPersonLogin", login);
        e.addAttribute("ENTPersonJointure", JOINTURE_SOURCE + "$" + jointureNumber(s.index(), i));
        e.addAttribute("ENTPersonSexe", nm.female() ? "F" : "M");
        e.addAttribute("ENTPersonNomPatro", nm.sn());
        e.addAttribute("ENTPersonAutresPrenoms", nm.given());
        return login;
    }

    private void student(Entry e, SchoolInfo s, int i, SplittableRandom r, Name nm) {
        e.addAttribute("ENTPersonProfils", profiles(r, "National_ELV", "National_1"));
        int c = i % counts.classes();
        Level lvl = s.classLevels().get(c);
        boolean late = r.nextInt(10) == 0; // redoublant
        int birthYear = REFERENCE_YEAR - lvl.age() - (late ? 1 : 0);
        e.addAttribute("ENTPersonDateNaissance", birthDate(r, birthYear));
        e.addAttribute("ENTEleveClasses", s.dn() + "$" + s.classNames().get(c));
        int groups = r.nextInt(3);
        int first = r.nextInt(GROUP_SUFFIXES.length);
        List<String> gv = new ArrayList<>();
        for (int k = 0; k < groups; k++) {
            gv.add(s.dn() + "$" + lvl.shortCode() + GROUP_SUFFIXES[(first + k) % GROUP_SUFFIXES.length]);
        }
        if (!gv.isEmpty()) e.addAttribute("ENTEleveGroupes", gv);
        e.addAttribute("ENTEleveStatutEleve", "SCOLAIRE");
        e.addAttribute("ENTEleveMEF", lvl.mef());
        e.addAttribute("ENTEleveLibelleMEF", lvl.libelleMef());
        e.addAttribute("ENTEleveNivFormation", lvl.nivFormation());
        e.addAttribute("ENTEleveFiliere", lvl.filiere());
        e.addAttribute("ENTEleveMajeur", REFERENCE_YEAR - birthYear >= 18 ? "O" : "N");
        e.addAttribute("ENTEleveBoursier", r.nextInt(5) == 0 ? "O" : "N");
        e.addAttribute("ENTEleveRegime", r.nextBoolean() ? "DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT 4" : "EXTERNE LIBRE");
        e.addAttribute("ENTEleveStructRattachId", String.valueOf(jointureNumber(s.index(), i)));
        e.addAttribute("x-profile", "ELV");
    }

    private void teacher(Entry e, SchoolInfo s, int i, SplittableRandom r, List<SchoolInfo> schools, boolean doc) {
        if (doc) {
            e.addAttribute("ENTPersonProfils", profiles(r, "National_DOC", "National_3"));
            e.addAttribute("ENTPersonFonctions", s.dn() + "$DOC$DOCUMENTATION$L0080$DOCUMENTATION");
            e.addAttribute("x-profile", "DOC");
            return;
        }
        e.addAttribute("ENTPersonProfils", profiles(r, "National_ENS", "National_3"));
        e.addAttribute("x-profile", "ENS");
        Subject subject = pickSubject(r, s.college());
        List<String> fonctions = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        List<String> matieres = new ArrayList<>();
        List<String> groupes = new ArrayList<>();
        List<String> matiereEtab = new ArrayList<>();
        teach(s, r, 2 + r.nextInt(3), subject, fonctions, classes, matieres, groupes, matiereEtab);
        int j = i - counts.students();
        if (dualTeacher(j)) {
            SchoolInfo second = schools.get((s.index() + 1) % schools.size());
            teach(second, r, 1 + r.nextInt(2), subject, fonctions, classes, matieres, groupes, matiereEtab);
            e.addAttribute("x-dual", "true");
        }
        e.addAttribute("ENTPersonFonctions", fonctions);
        if (!classes.isEmpty()) {
            e.addAttribute("ENTAuxEnsClasses", classes);
            e.addAttribute("ENTAuxEnsClassesMatieres", matieres);
            e.addAttribute("ENTAuxEnsClassesPrincipal", classes.get(0));
        }
        if (!groupes.isEmpty()) e.addAttribute("ENTAuxEnsGroupes", groupes);
        e.addAttribute("ENTAuxEnsMatiereEnseignEtab", matiereEtab);
    }

    private static Subject pickSubject(SplittableRandom r, boolean college) {
        while (true) {
            Subject sub = SUBJECTS[r.nextInt(SUBJECTS.length)];
            if (!(college && sub.lyceeOnly())) return sub;
        }
    }

    private void teach(SchoolInfo s, SplittableRandom r, int wanted, Subject subject, List<String> fonctions,
                       List<String> classes, List<String> matieres, List<String> groupes, List<String> matiereEtab) {
        fonctions.add(s.dn() + "$ENS$ENSEIGNEMENT$" + subject.discCode() + "$" + subject.discLabel());
        matiereEtab.add(s.dn() + "$" + subject.matLabel());
        int nc = s.classNames().size();
        if (nc == 0) return;
        int k = Math.min(wanted, nc);
        int start = r.nextInt(nc);
        int step = 1 + r.nextInt(Math.max(1, Math.min(nc - 1, 7)));
        List<Integer> picked = new ArrayList<>();
        for (int x = 0, c = start; picked.size() < k && x < 2 * nc; x++, c = (c + step) % nc) {
            if (!picked.contains(c)) picked.add(c);
        }
        for (int c = 0; picked.size() < k; c++) if (!picked.contains(c)) picked.add(c);
        for (int c : picked) {
            String cl = s.classNames().get(c);
            classes.add(s.dn() + "$" + cl);
            matieres.add(s.dn() + "$" + cl + "$" + subject.matCode());
        }
        if (r.nextInt(3) == 0) {
            Level lvl = s.classLevels().get(picked.get(0));
            groupes.add(s.dn() + "$" + lvl.shortCode() + GROUP_SUFFIXES[r.nextInt(GROUP_SUFFIXES.length)]);
        }
    }

    private Entry parent(SchoolInfo s, int i, SplittableRandom r, Name nm, Map<String, Integer> logins, int child) {
        Entry e = new Entry(personDn(s.index(), i));
        e.addAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", "ENTAuxPersRelEleve");
        identity(e, s, i, r, nm, logins, 7);
        e.addAttribute("ENTPersonStructRattach", s.dn());
        e.addAttribute("ENTPersonProfils", profiles(r, "National_TUT", "National_2"));
        e.addAttribute("personalTitle", nm.female() ? "Mme" : "M");
        List<String> children = new ArrayList<>(2);
        children.add(personDn(s.index(), child));
        if (counts.students() > 1 && r.nextInt(3) == 0) {
            int other = r.nextInt(counts.students() - 1);
            if (other >= child) other++;
            children.add(personDn(s.index(), other));
        }
        e.addAttribute("ENTAuxPersRelEleveEleve", children);
        e.addAttribute("x-profile", "TUT");
        return e;
    }

    /** Both forms (60 %), trigram only (20 %) or numeric only (20 %). */
    private static String[] profiles(SplittableRandom r, String trigram, String numeric) {
        int x = r.nextInt(10);
        if (x < 6) return new String[] {trigram, numeric};
        return x < 8 ? new String[] {trigram} : new String[] {numeric};
    }

    private static String birthDate(SplittableRandom r, int year) {
        int month = 1 + r.nextInt(12);
        int day = 1 + r.nextInt(28);
        return String.format(Locale.ROOT, "%02d/%02d/%04d", day, month, year);
    }

    /** Lower-case ASCII for logins/mails: accents stripped, apostrophes and spaces removed. */
    static String ascii(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return n.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
    }

    // ------------------------------------------------------------------ groups

    private long groups(SchoolInfo s, List<SchoolInfo> schools, Consumer<Entry> out) {
        long count = 0;
        int nc = s.classNames().size();
        for (int c = 0; c < nc; c++) {
            Level lvl = s.classLevels().get(c);
            String cn = s.groupPrefix() + lvl.groupLevel() + ":Eleves_" + s.classNames().get(c);
            List<String> members = new ArrayList<>();
            List<String> uids = new ArrayList<>();
            for (int i = c; i < counts.students(); i += nc) {
                uids.add(uid(s.index(), i));
                members.add(personDn(s.index(), i));
            }
            out.accept(group(cn, members, uids));
            count++;
        }
        List<String> members = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int j = 0; j < counts.teachers(); j++) {
            if (role(counts.students() + j) == Role.TEACHER) {
                uids.add(uid(s.index(), counts.students() + j));
                members.add(personDn(s.index(), counts.students() + j));
            }
        }
        if (schools.size() > 1) { // teachers of the previous school who also teach here
            int prev = (s.index() - 1 + schools.size()) % schools.size();
            for (int j = 0; j < counts.teachers(); j++) {
                if (dualTeacher(j) && role(counts.students() + j) == Role.TEACHER) {
                    uids.add(uid(prev, counts.students() + j));
                    members.add(personDn(prev, counts.students() + j));
                }
            }
        }
        if (!members.isEmpty()) {
            out.accept(group(s.groupPrefix() + "Profs", members, uids));
            count++;
        }
        return count;
    }

    private Entry group(String cn, List<String> members, List<String> uids) {
        Entry e = new Entry(new DN(new RDN("cn", cn), groupsDn));
        e.addAttribute("objectClass", "top", "groupOfNames", "eduMember");
        e.addAttribute("cn", cn);
        e.addAttribute(new Attribute("member", members));
        e.addAttribute(new Attribute("hasMember", uids));
        return e;
    }

    private static DN dnOf(String dn) {
        try {
            return new DN(dn);
        } catch (LDAPException e) {
            throw new IllegalArgumentException(dn, e);
        }
    }
}
