package org.entsync.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.pipeline.RunOptions;
import org.entsync.report.EntityReport;
import org.entsync.report.EntityReport.Count;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.entsync.testsupport.MoodleDatabaseTest;
import org.entsync.testsupport.SyncFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile and broken input: a corpus of malformed or adversarial people added to a real slapd (schema checking on,
 * so only what the SDET schema accepts) next to a normal generated directory. Each entry either fails alone with
 * the expected field and reason in the report, or is written with exactly the expected values; the rest of the
 * directory syncs, existing accounts are left as they were, and the next run is stable. The corpus is printed to
 * {@code target/reliability/hostile-<dialect>.txt} (docs/reliability.md lists it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class HostileInputTestBase extends MoodleDatabaseTest {
    static final String SQL = "'; DROP TABLE mdl_user; --";
    static final String FILTER = "*)(uid=*";
    static final String SUFFIX = GeneratorOptions.DEFAULT_SUFFIX;

    /** What must happen to one corpus entry. */
    sealed interface Expect permits Fails, Written, Filtered, Duplicate {
    }

    /** Fails alone: the report names this field and the reason contains this text. */
    record Fails(String field, String reason) implements Expect {
    }

    /** Written: the user row (columns) and profile fields (profile_field_x) hold exactly these values. */
    record Written(String username, Map<String, String> values) implements Expect {
    }

    /** Not a user (profile not synced): counted as filtered, nothing written. */
    record Filtered() implements Expect {
    }

    /** One of two entries mapping to the same username: this one fails as a duplicate, the other is written. */
    record Duplicate(String username) implements Expect {
    }

    record Case(String label, Entry entry, Expect expect) {
    }

    private SyncFixture fx;
    private GeneratedDirectory.School school;
    private Entry model;
    private final List<Case> corpus = new ArrayList<>();
    private final List<String> journal = new ArrayList<>();
    private long generatedUsers;
    private Map<String, Object> brokenBefore;
    private String brokenUid;

    @BeforeAll
    void start() throws Exception {
        fx = new SyncFixture(db, new GeneratorOptions(2, 25, 9L, SUFFIX));
        school = fx.directory.schools().get(0);
        List<SearchResultEntry> students = new ArrayList<>(fx.search("(&(objectClass=ENTEleve)(ENTPersonStructRattach=" + school.dn() + "))"));
        students.sort(java.util.Comparator.comparing(SearchResultEntry::getDN));
        model = students.get(0).duplicate();
        brokenUid = students.get(1).getAttributeValue("uid").toLowerCase();
        update("INSERT INTO {p}user (auth, confirmed, mnethostid, username, firstname, lastname, email, timecreated, timemodified) "
                + "VALUES ('manual', 1, 1, 'handmade1', 'Hand', 'Made', 'hand@made.example', 1, 1)");
        RunReport first = fx.sync(Map.of("entsync.ldap.pageSize", "25"), RunOptions.defaults());
        assertEquals(Outcome.SUCCESS.label, first.outcome);
        assertEquals(0, first.totalFailures());
        generatedUsers = first.entities.get("users").get(Count.created);
    }

    @AfterAll
    void stop() throws Exception {
        if (fx != null) fx.close();
        Files.createDirectories(Path.of("target", "reliability"));
        Files.write(Path.of("target", "reliability", "hostile-" + dialect().name().toLowerCase() + ".txt"), journal);
    }

    @Test
    @Order(1)
    void everyHostileEntryFailsAloneOrIsWrittenExactly() throws Exception {
        buildCorpus();
        assertTrue(corpus.size() >= 60, "corpus of " + corpus.size());
        List<String> refused = new ArrayList<>();
        try (LDAPConnection c = fx.ldap()) {
            for (Case k : corpus) {
                try {
                    c.add(k.entry());
                } catch (LDAPException e) {
                    refused.add(k.label() + ": " + e.getResultCode() + " " + e.getDiagnosticMessage());
                }
            }
            // an existing synced user whose entry becomes broken: fails, and the Moodle account stays as it was
            brokenBefore = query("SELECT firstname, lastname, email, suspended FROM {p}user WHERE username = ?", brokenUid).get(0);
            c.modify("uid=" + brokenUid + ",ou=people," + SUFFIX, new Modification(ModificationType.DELETE, "givenName"));
        }
        assertEquals(List.of(), refused, "the schema refused corpus entries (the corpus must hold only what slapd accepts)");

        RunReport r = fx.sync(Map.of("entsync.ldap.pageSize", "25"), RunOptions.defaults());
        EntityReport u = r.entities.get("users");
        assertEquals(Outcome.SUCCESS.label, r.outcome, () -> "error " + r.error);
        Map<String, EntityReport.Failure> failures = new LinkedHashMap<>();
        for (EntityReport.Failure f : u.getFailures()) failures.put(norm(f.dn()), f);

        List<String> problems = new ArrayList<>();
        for (Case k : corpus) {
            EntityReport.Failure f = failures.remove(norm(k.entry().getDN()));
            String outcome;
            Expect expect = k.expect();
            if (expect instanceof Fails x) {
                    if (f == null) problems.add(k.label() + ": expected to fail on " + x.field() + ", did not fail");
                    else if (!String.valueOf(f.field()).equals(String.valueOf(x.field())) || !f.reason().contains(x.reason())) {
                        problems.add(k.label() + ": expected failure " + x.field() + " '" + x.reason() + "', got " + f.field() + " '" + f.reason() + "'");
                    }
                    outcome = f == null ? "NOT FAILED" : "fails: " + f.field() + ": " + f.reason() + (f.value() == null ? "" : " (value shown as " + abbreviate(f.value()) + ")");
            } else if (expect instanceof Written w) {
                    if (f != null) problems.add(k.label() + ": expected written, failed: " + f.field() + " " + f.reason());
                    String diff = checkWritten(w);
                    if (!diff.isEmpty()) problems.add(k.label() + ": " + diff);
                    outcome = "written exactly as " + abbreviate(w.username() + " " + w.values());
            } else if (expect instanceof Filtered) {
                    if (f != null) problems.add(k.label() + ": expected filtered, failed: " + f.reason());
                    String uid = k.entry().getAttributeValue("uid").toLowerCase();
                    if (count("SELECT COUNT(*) FROM {p}user WHERE username = ?", uid) != 0) problems.add(k.label() + ": a filtered entry was written");
                    outcome = "filtered (not a synced profile), nothing written";
            } else {
                Duplicate d = (Duplicate) expect;
                    if (f == null || !f.reason().contains("duplicate")) problems.add(k.label() + ": expected to fail as a duplicate, got " + f);
                    if (count("SELECT COUNT(*) FROM {p}user WHERE username = ?", d.username()) != 1) problems.add(k.label() + ": not exactly one " + d.username());
                    outcome = f == null ? "NOT FAILED" : "fails: " + f.reason();
            }
            journal.add(k.label() + " -> " + outcome);
        }
        // the broken existing user and nothing else
        EntityReport.Failure broken = failures.remove(norm("uid=" + brokenUid + ",ou=people," + SUFFIX));
        if (broken == null || !"firstname".equals(broken.field())) problems.add("existing user with givenName removed: expected firstname failure, got " + broken);
        journal.add("existing synced user, givenName deleted -> " + (broken == null ? "NOT FAILED" : "fails: " + broken.field() + ": " + broken.reason()) + "; Moodle row left as it was");
        if (!failures.isEmpty()) problems.add("unexpected failures: " + failures.values());
        assertEquals(List.of(), problems, () -> String.join("\n", problems));

        assertEquals(brokenBefore, query("SELECT firstname, lastname, email, suspended FROM {p}user WHERE username = ?", brokenUid).get(0),
                "an entry that fails leaves its Moodle account as it was (not suspended either)");
        assertEquals(generatedUsers - 1, u.get(Count.unchanged), "the rest of the directory is untouched");
        assertEquals("Hand Made hand@made.example manual", String.join(" ", query("SELECT firstname, lastname, email, auth FROM {p}user WHERE username = 'handmade1'")
                .get(0).values().stream().map(String::valueOf).toList()), "a hand-made account whose entry fails is not adopted or changed");
        assertEquals("Admin User manual", String.join(" ", query("SELECT firstname, lastname, auth FROM {p}user WHERE id = 2").get(0).values().stream().map(String::valueOf).toList()));
        assertEquals("Guest user manual", String.join(" ", query("SELECT firstname, auth FROM {p}user WHERE id = 1").get(0).values().stream().map(String::valueOf).toList()));
        assertTrue(count("SELECT COUNT(*) FROM {p}user") > generatedUsers, "mdl_user is still there");
        assertEquals(List.of(), Reliability.indexProblems(db.dataSource()));

        // the report file carries the same failures, control characters escaped
        JsonNode json = new ObjectMapper().readTree(Reliability.reportJson(fx.work().resolve("reports"), "default", r.runId).toFile());
        assertEquals(u.get(Count.failed), json.at("/entities/users/counts/failed").asLong());
        String text = json.toString();
        assertTrue(text.contains("tab\\\\u0009user"), "a control character in a failing value is shown escaped");
        journal.add(0, dialect() + ": " + corpus.size() + " corpus entries + 1 existing user broken; " + u.get(Count.failed) + " failed alone, "
                + u.get(Count.created) + " created, " + u.get(Count.filtered) + " filtered, " + u.get(Count.unchanged) + " unchanged");
    }

    @Test
    @Order(2)
    void theNextRunIsStable() {
        RunReport r = fx.sync(Map.of("entsync.ldap.pageSize", "25"), RunOptions.defaults());
        assertEquals(0, r.totalChanges(), () -> "changes: " + r.entities.get("users").getChanges());
        assertEquals(Outcome.SUCCESS.label, r.outcome);
        assertEquals(0, count("SELECT COUNT(*) FROM {p}user WHERE suspended = 1"), "failing entries are never suspended");
    }

    // ---------------------------------------------------------------------------------------------------------

    private String checkWritten(Written w) {
        List<Map<String, Object>> rows = query("SELECT * FROM {p}user WHERE username = ? AND deleted = 0", w.username());
        if (rows.size() != 1) return rows.size() + " users named " + w.username();
        Map<String, Object> row = rows.get(0);
        StringBuilder b = new StringBuilder();
        w.values().forEach((k, v) -> {
            Object actual;
            if (k.startsWith("profile_field_")) {
                List<Map<String, Object>> d = query("SELECT d.data FROM {p}user_info_data d JOIN {p}user_info_field f ON f.id = d.fieldid WHERE d.userid = ? AND f.shortname = ?",
                        row.get("id"), k.substring("profile_field_".length()));
                actual = d.isEmpty() ? null : d.get(0).get("data");
            } else {
                actual = row.get(k);
            }
            if (!v.equals(String.valueOf(actual))) b.append(k).append(": expected '").append(abbreviate(v)).append("' got '").append(abbreviate(String.valueOf(actual))).append("' ");
        });
        return b.toString();
    }

    private List<Map<String, Object>> query(String sql, Object... args) {
        return Reliability.query(db.dataSource(), sql, args);
    }

    private static String norm(String dn) {
        try {
            return new DN(dn).toNormalizedString();
        } catch (LDAPException e) {
            return dn;
        }
    }

    private static String abbreviate(String s) {
        String v = org.entsync.mapping.MappingError.safe(s);
        return v.codePointCount(0, v.length()) > 90 ? v.substring(0, v.offsetByCodePoints(0, 90)) + "…" : v;
    }

    /** A student of the first school, copied from a generated one, with uid (and DN) {@code uid}, then {@code change}. */
    private Entry student(String uid, Consumer<Entry> change) {
        return student(new DN(new RDN("uid", uid), dn("ou=people," + SUFFIX)), uid, change);
    }

    private Entry student(DN dn, String uid, Consumer<Entry> change) {
        Entry e = new Entry(dn);
        for (Attribute a : model.getAttributes()) {
            if (!List.of("uid", "cn", "sn", "givenname", "mail", "entpersonjointure", "entpersonlogin", "entelevclasses").contains(a.getBaseName().toLowerCase())) e.addAttribute(a);
        }
        e.setAttribute("uid", uid);
        e.setAttribute("cn", "Corpus " + uid);
        e.setAttribute("sn", "CORPUS");
        e.setAttribute("givenName", "Corpus");
        e.setAttribute("ENTPersonLogin", "login." + Integer.toHexString(uid.hashCode()));
        e.setAttribute("ENTPersonJointure", "AC-DEMO$H" + Integer.toHexString(uid.hashCode()));
        e.setAttribute("ENTEleveClasses", school.dn() + "$6A");
        change.accept(e);
        return e;
    }

    private static DN dn(String s) {
        try {
            return new DN(s);
        } catch (LDAPException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private void add(String label, Entry e, Expect x) {
        corpus.add(new Case(label, e, x));
    }

    private void fails(String label, String uid, Consumer<Entry> change, String field, String reason) {
        add(label, student(uid, change), new Fails(field, reason));
    }

    private void written(String label, String uid, Consumer<Entry> change, String... expected) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < expected.length; i += 2) m.put(expected[i], expected[i + 1]);
        add(label, student(uid, change), new Written(uid.toLowerCase(), m));
    }

    private static Consumer<Entry> set(String attr, String... values) {
        return e -> e.setAttribute(attr, values);
    }

    private static Consumer<Entry> remove(String attr) {
        return e -> e.removeAttribute(attr);
    }

    private void buildCorpus() {
        String cls = school.dn() + "$";
        String name = school.nomCourant();
        // --- missing and empty-ish values
        fails("missing givenName", "h-nogiven", remove("givenName"), "firstname", "required value is missing");
        written("missing mail: placeholder address", "h-nomail", remove("mail"), "email", "h-nomail@ent.invalid");
        fails("givenName of spaces only", "h-spaces", set("givenName", "   "), "firstname", "required value is missing");
        fails("givenName NO-BREAK SPACE only", "h-nbsp", set("givenName", "\u00a0"), "firstname", "required value is missing");
        fails("givenName ZERO WIDTH SPACE only", "h-zwsp", set("givenName", "\u200b"), "firstname", "required value is missing");
        fails("sn RIGHT-TO-LEFT OVERRIDE only", "h-rloonly", set("sn", "\u202e"), "lastname", "required value is missing");
        written("sn a single dash", "h-dash", set("sn", "-"), "lastname", "-");
        written("ENTPersonJointure of a lone $", "h-jointlone", set("ENTPersonJointure", "$"), "idnumber", "");
        written("ENTPersonJointure without $", "h-jointnosep", set("ENTPersonJointure", "NOSEPARATOR"), "idnumber", "");
        written("ENTPersonJointure with an empty key", "h-jointempty", set("ENTPersonJointure", "AC-DEMO$"), "idnumber", "");
        written("no ENTPersonProfils: profile from the object class", "h-noprofil", remove("ENTPersonProfils"), "profile_field_entprofile", "ELV");
        add("unknown profile National_XYZ", student("h-xyz", set("ENTPersonProfils", "National_XYZ")), new Filtered());
        add("parent profile National_TUT", student("h-tut", set("ENTPersonProfils", "National_TUT")), new Filtered());
        // --- lengths (Moodle: firstname/lastname/email 100, idnumber 255, username 100; department truncated at 255)
        written("givenName of exactly 100 characters", "h-len100", set("givenName", "G".repeat(100)), "firstname", "G".repeat(100));
        fails("givenName of 101 characters", "h-len101", set("givenName", "G".repeat(101)), "firstname", "value is 101 characters long, Moodle's column holds 100");
        fails("sn of 101 characters", "h-snlen", set("sn", "S".repeat(101)), "lastname", "101 characters long");
        fails("mail of 101 characters", "h-maillen", set("mail", "m".repeat(89) + "@example.org"), "email", "101 characters long");
        fails("idnumber of 256 characters", "h-idlen", set("ENTPersonJointure", "AC$" + "9".repeat(256)), "idnumber", "Moodle's column holds 255");
        fails("uid of 101 characters", "u".repeat(101), e -> { }, "username", "101 characters long");
        written("class name of 300 characters: department truncated to 255", "h-longclass", set("ENTEleveClasses", cls + "C".repeat(300)),
                "department", "C".repeat(255), "profile_field_entclasses", "C".repeat(300));
        written("60 emoji in givenName (120 UTF-16 units, 60 characters)", "h-emoji60", set("givenName", "😀".repeat(60)), "firstname", "😀".repeat(60));
        fails("101 emoji in givenName", "h-emoji101", set("givenName", "😀".repeat(101)), "firstname", "value is 101 characters long");
        written("department truncated next to an emoji: no half surrogate", "h-cutemoji", set("ENTEleveClasses", cls + "x".repeat(254) + "😀yyy"),
                "department", "x".repeat(254) + "😀");
        // --- usernames Moodle refuses
        fails("uid with a space", "h bad user", e -> { }, "username", "not a valid Moodle username");
        fails("uid with an accent", "h-élève", e -> { }, "username", "not a valid Moodle username");
        fails("uid with a quote", "h-o'brien", e -> { }, "username", "not a valid Moodle username");
        fails("uid with LDAP filter metacharacters", FILTER, e -> { }, "username", "not a valid Moodle username");
        fails("uid with SQL metacharacters", "h" + SQL, e -> { }, "username", "not a valid Moodle username");
        fails("uid with a tab", "tab\tuser", e -> { }, "username", "not a valid Moodle username");
        fails("uid with RIGHT-TO-LEFT OVERRIDE", "h-\u202eevil", e -> { }, "username", "not a valid Moodle username");
        fails("uid with a combining accent", "h-e\u0301", e -> { }, "username", "not a valid Moodle username");
        written("uid in capitals: lower-cased", "H-UPPER.Case", e -> { }, "username", "h-upper.case");
        written("uid with every allowed punctuation", "h-ok_1.x@ac-demo.fr", e -> { }, "username", "h-ok_1.x@ac-demo.fr");
        // --- duplicates
        add("two entries with uid dupname (1st)", student("h-dupname", e -> e.setAttribute("givenName", "First")), new Written("h-dupname", Map.of("firstname", "First")));
        add("two entries with uid dupname (2nd, other DN)", student(dn("cn=h-dupname-twin,ou=people," + SUFFIX), "h-dupname", e -> e.setAttribute("givenName", "Second")),
                new Duplicate("h-dupname"));
        add("uids differing only by case (CaseTwin)", student("h-CaseTwin", e -> e.setAttribute("givenName", "Upper")), new Written("h-casetwin", Map.of("firstname", "Upper")));
        add("uids differing only by case (casetwin, other DN)", student(dn("cn=h-casetwin-lower,ou=people," + SUFFIX), "h-casetwin", e -> e.setAttribute("givenName", "Lower")),
                new Duplicate("h-casetwin"));
        String existing = model.getAttributeValue("uid");
        add("another entry with the uid of an existing synced user", student(dn("cn=h-impostor,ou=people," + SUFFIX), existing, e -> e.setAttribute("givenName", "Impostor")),
                new Duplicate(existing.toLowerCase()));
        written("same idnumber as another entry (1st)", "h-sameid1", set("ENTPersonJointure", "AC-DEMO$SAMEID"), "idnumber", "SAMEID");
        written("same idnumber as another entry (2nd)", "h-sameid2", set("ENTPersonJointure", "AC-DEMO$SAMEID"), "idnumber", "SAMEID");
        // --- control, bidi and combining characters: stored exactly as the directory has them
        written("BEL control character in givenName", "h-bel", set("givenName", "Jean\u0007Bell"), "firstname", "Jean\u0007Bell");
        written("newline in sn", "h-newline", set("sn", "Du\nPont"), "lastname", "Du\nPont");
        written("tab in givenName", "h-tab", set("givenName", "Tab\there"), "firstname", "Tab\there");
        written("DEL and C1 control characters", "h-del", set("givenName", "A\u007fB\u0085C"), "firstname", "A\u007fB\u0085C");
        written("RIGHT-TO-LEFT OVERRIDE in sn", "h-rlo", set("sn", "\u202eLIVE"), "lastname", "\u202eLIVE");
        written("Arabic (right-to-left) givenName", "h-arabic", set("givenName", "سلمى"), "firstname", "سلمى");
        written("combining acute accent (not normalised)", "h-combining", set("givenName", "Zoe\u0301"), "firstname", "Zoe\u0301");
        written("mathematical letters outside the BMP", "h-math", set("givenName", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"), "firstname", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢");
        written("leading and trailing spaces are trimmed", "h-trim", set("givenName", "  Jean  "), "firstname", "Jean");
        // --- huge multi-valued attributes
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 5000; i++) groups.add(cls + "GRP" + i);
        written("5 000 ENTEleveGroupes values", "h-groups", e -> e.setAttribute("ENTEleveGroupes", groups), "profile_field_entuai", school.uai());
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 300; i++) classes.add(cls + "K" + i);
        written("300 classes: department = all of them joined, truncated at 255; entclasses all", "h-classes", e -> e.setAttribute("ENTEleveClasses", classes),
                "department", String.join(",", classes.stream().map(v -> v.substring(v.lastIndexOf('$') + 1)).toList()).substring(0, 255),
                "profile_field_entclasses", String.join(",", classes.stream().map(v -> v.substring(v.lastIndexOf('$') + 1)).toList()));
        List<String> profils = new ArrayList<>();
        for (int i = 0; i < 2000; i++) profils.add("junk" + i);
        profils.add("National_ELV");
        written("2 001 ENTPersonProfils values, one valid", "h-profils", e -> e.setAttribute("ENTPersonProfils", profils), "profile_field_entprofile", "ELV");
        // --- structure references
        fails("attachment to a structure that does not exist", "h-nowhere", set("ENTPersonStructRattach", "ENTStructureSIREN=00000000000000,ou=structures," + SUFFIX),
                "institution", "not found in the directory's structures");
        written("attachment by a DN from elsewhere whose RDN is a known UAI", "h-elsewhere",
                set("ENTPersonStructRattach", "ENTStructureUAI=" + school.uai() + ",ou=other,dc=elsewhere,dc=fr"), "institution", name);
        written("class in a structure that does not exist", "h-classnowhere",
                set("ENTEleveClasses", "ENTStructureSIREN=00000000000000,ou=structures," + SUFFIX + "$6Z"), "department", "", "profile_field_entclasses", "6Z");
        // --- $ inside values
        written("$ inside givenName", "h-dollar", set("givenName", "Jean$Paul"), "firstname", "Jean$Paul");
        written("$ only in sn", "h-dollars", set("sn", "$$$"), "lastname", "$$$");
        written("extra $ in ENTPersonJointure: the 2nd part", "h-jointdollar", set("ENTPersonJointure", "AC-DEMO$12$34"), "idnumber", "12");
        written("extra $ in a class value: the 2nd part", "h-classdollar", set("ENTEleveClasses", cls + "6$A"), "department", "6");
        // --- SQL metacharacters in every field
        written("SQL in givenName", "h-sql-given", set("givenName", SQL), "firstname", SQL);
        written("SQL in sn", "h-sql-sn", set("sn", SQL), "lastname", SQL);
        written("SQL in mail", "h-sql-mail", set("mail", SQL), "email", SQL);
        written("SQL in ENTPersonJointure", "h-sql-joint", set("ENTPersonJointure", "AC$" + SQL), "idnumber", SQL);
        written("SQL in a class", "h-sql-class", set("ENTEleveClasses", cls + SQL), "department", SQL, "profile_field_entclasses", SQL);
        written("SQL in cn (not mapped)", "h-sql-cn", set("cn", SQL), "firstname", "Corpus");
        written("SQL in ENTPersonProfils (ignored value)", "h-sql-profil", set("ENTPersonProfils", "National_ELV", SQL), "profile_field_entprofile", "ELV");
        // --- LDAP filter metacharacters in every field
        written("LDAP filter in givenName", "h-ldap-given", set("givenName", FILTER), "firstname", FILTER);
        written("LDAP filter in sn", "h-ldap-sn", set("sn", FILTER), "lastname", FILTER);
        written("LDAP filter in mail", "h-ldap-mail", set("mail", FILTER), "email", FILTER);
        written("LDAP filter in ENTPersonJointure", "h-ldap-joint", set("ENTPersonJointure", "AC$" + FILTER), "idnumber", FILTER);
        written("LDAP filter in a class", "h-ldap-class", set("ENTEleveClasses", cls + FILTER), "department", FILTER);
        fails("LDAP filter as the attachment reference", "h-ldap-struct", set("ENTPersonStructRattach", "cn=" + FILTER.replace("*", "\\2a").replace("(", "\\28").replace(")", "\\29").replace("=", "\\3d") + ",ou=structures," + SUFFIX),
                "institution", "not found");
        // --- other metacharacters
        written("backslash and quotes", "h-quotes", set("givenName", "a\\b\"c'd"), "firstname", "a\\b\"c'd");
        written("LIKE wildcards", "h-like", set("sn", "%_%"), "lastname", "%_%");
        written("HTML/script in givenName", "h-html", set("givenName", "<script>alert(1)</script>"), "firstname", "<script>alert(1)</script>");
        written("Moodle {table} syntax in sn", "h-braces", set("sn", "{user} {config}"), "lastname", "{user} {config}");
        // --- Moodle's own accounts and hand-made ones
        fails("uid admin: Moodle's site administrator is never adopted", "admin", e -> { }, null, "is Moodle's guest or a site administrator account");
        fails("uid guest: Moodle's guest account is never adopted", "Guest", e -> { }, null, "is Moodle's guest or a site administrator account");
        fails("entry for the hand-made account handmade1, without givenName", "handmade1", remove("givenName"), "firstname", "required value is missing");
    }
}
