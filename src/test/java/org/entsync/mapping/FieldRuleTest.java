package org.entsync.mapping;

import com.unboundid.ldap.sdk.Entry;
import org.entsync.config.ConfigException;
import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generic filter model, on plain entries (pure logic, no server). */
class FieldRuleTest {
    @TempDir
    Path dir;

    private final StructureDirectory structures = new StructureDirectory();

    FieldRuleTest() {
        structures.add(new Structure("ENTStructureSIREN=19290009000015,ou=structures,dc=x", "0290009C", "19290009000015", "LG-DE L'IROISE", "LYCEE", List.of("AC-RENNES$2828")));
        structures.add(new Structure("ou=RECTORAT$ACADEMIE$X,ou=structures,dc=x", "0351234A", "17350000000011", "RECTORAT", "RECTORAT", List.of()));
    }

    private EntityMapping load(String yaml) throws Exception {
        Files.createDirectories(dir.resolve("p"));
        Files.writeString(dir.resolve("p/users.yaml"), yaml);
        Files.writeString(dir.resolve("p/codes.csv"), "# comment\nNational_1,ELV\nNational_3,ENS\n");
        Map<String, String> settings = Map.of("entsync.users.emailDomain", "ent.invalid", "entsync.ldap.peopleBase", "ou=people,dc=x", "entsync.users.profiles", "ELV,ENS");
        return new MappingLoader(dir, "p", settings::get, "t").load("users");
    }

    private static final String HEAD = "entity: users\nsource: {base: \"{settings.ldap.peopleBase}\"}\nkey: username\nfields:\n  username: {from: uid, case: lower, check: moodle-username, required: true}\n";

    private static Entry entry(String... attrs) {
        Entry e = new Entry("uid=a,ou=people,dc=x");
        for (int i = 0; i < attrs.length; i += 2) e.addAttribute(attrs[i], attrs[i + 1]);
        return e;
    }

    @Test
    void partsPatternsTranscodeLookupFormat() throws Exception {
        EntityMapping m = load(HEAD + """
                  idnumber: {from: ENTPersonJointure, extract: {part: 2}}
                  profile: {from: ENTPersonProfils, values: all, transcode: {file: codes.csv}}
                  trigram: {from: ENTPersonProfils, values: all, extract: {pattern: "^National_(?<t>[A-Z]{3})$", group: t}}
                  school: {from: ENTPersonStructRattach, lookup: {table: structures, field: name}}
                  uai: {from: ENTEleveClasses, values: all, extract: {part: 1}, lookup: {table: structures, field: uai}}
                  cohort: {from: ENTEleveClasses, extract: {parts: [structure, class]}, format: "{uai}${class}"}
                  email: {from: mail, default: "{username}@{settings.users.emailDomain}"}
                """);
        MappedRecord r = m.map(entry("uid", "F1700ABC", "ENTPersonJointure", "AC-RENNES$128407",
                "ENTPersonProfils", "National_1", "ENTPersonStructRattach", "ENTStructureSIREN=19290009000015,ou=structures,dc=x",
                "ENTEleveClasses", "ENTStructureSIREN=19290009000015,ou=structures,dc=x$1ERE S3"), structures);
        r.fields(); // all fields computed
        assertEquals("f1700abc", r.key());
        assertEquals("128407", r.value("idnumber"));
        assertEquals("ELV", r.value("profile"));
        assertEquals(List.of(), r.values("trigram"));
        assertEquals("LG-DE L'IROISE", r.value("school"));
        assertEquals("0290009C", r.value("uai"));
        assertEquals("0290009C$1ERE S3", r.value("cohort"));
        assertEquals("f1700abc@ent.invalid", r.value("email"));
    }

    @Test
    void templatesReadTheNumberedAndNamedPartsOfEveryValue() throws Exception {
        EntityMapping m = load(HEAD + """
                  swapped: {from: ENTPersonFonctions, values: all, extract: {part: 3}, format: "{part4}/{value}/{part2}"}
                  named: {from: ENTPersonFonctions, values: all, extract: {parts: [where, code, label]}, format: "{code}:{label}"}
                  coded: {from: ENTPersonFonctions, values: all, extract: {part: 2}, transcode: {file: codes.csv, default: "other-{part2}"}}
                """);
        MappedRecord r = m.map(entry("uid", "t1", "ENTPersonFonctions", "0351234A$ENS$PROFESSEUR$L0201", "ENTPersonFonctions", "0290009C$National_3$DOC$X"), structures);
        assertEquals(List.of("L0201/PROFESSEUR/ENS", "X/DOC/National_3"), r.values("swapped"));
        assertEquals(List.of("ENS:PROFESSEUR", "National_3:DOC"), r.values("named"));
        assertEquals(List.of("other-ENS", "ENS"), r.values("coded"));
    }

    @Test
    void structureReferenceDialectsAllResolve() throws Exception {
        EntityMapping m = load(HEAD + "  uai: {from: ENTEleveClasses, values: all, extract: {part: 1}, lookup: {table: structures, field: uai}}\n"
                + "  cls: {from: ENTEleveClasses, values: all, extract: {part: 2}}\n");
        for (String ref : List.of("ENTStructureSIREN=19290009000015,ou=structures,dc=x", "ENTStructureUAI=0290009C,ou=other,dc=y", "0290009C", "2828")) {
            MappedRecord r = m.map(entry("uid", "a", "ENTEleveClasses", ref + "$TS2"), structures);
            assertEquals("0290009C", r.value("uai"), ref);
            assertEquals("TS2", r.value("cls"), ref);
        }
        // a structure DN that itself contains '$' is recognised as one part
        MappedRecord r = m.map(entry("uid", "a", "ENTEleveClasses", "ou=RECTORAT$ACADEMIE$X,ou=structures,dc=x$DANE"), structures);
        assertEquals("0351234A", r.value("uai"));
        assertEquals("DANE", r.value("cls"));
    }

    @Test
    void firstOfAndSameStructure() throws Exception {
        EntityMapping m = load(HEAD + """
                  department:
                    firstOf:
                      - {from: ENTEleveClasses, values: all, sameStructureAs: ENTPersonStructRattach, extract: {part: 2}}
                      - {from: ENTPersonFonctions, values: all, sameStructureAs: ENTPersonStructRattach, extract: {part: 3}}
                """);
        Entry teacher = entry("uid", "t", "ENTPersonStructRattach", "0290009C",
                "ENTPersonFonctions", "0351234A$DOC$DOCUMENTATION$-$X");
        teacher.addAttribute("ENTPersonFonctions", "0290009C$ENS$ENSEIGNEMENT$L0422$ANGLAIS");
        assertEquals("ENSEIGNEMENT", m.map(teacher, structures).value("department"));
        assertEquals("3A", m.map(entry("uid", "s", "ENTPersonStructRattach", "0290009C", "ENTEleveClasses", "0290009C$3A"), structures).value("department"));
    }

    @Test
    void requiredUsernameLengthAndLookupFailuresNameTheField() throws Exception {
        EntityMapping m = load(HEAD + "  lastname: {from: sn, required: true, maxLength: 5}\n  school: {from: ENTPersonStructRattach, lookup: {table: structures, field: name}}\n"
                + "  short: {from: sn, maxLength: 3, truncate: true}\n");
        MappingException e = assertThrows(MappingException.class, () -> m.map(entry("uid", "a"), structures));
        assertEquals("lastname", e.field());
        e = assertThrows(MappingException.class, () -> m.map(entry("uid", "a b", "sn", "X"), structures));
        assertEquals("username", e.field());
        e = assertThrows(MappingException.class, () -> m.map(entry("uid", "a", "sn", "TOOLONG"), structures));
        assertTrue(e.getMessage().contains("5"));
        e = assertThrows(MappingException.class, () -> m.map(entry("uid", "a", "sn", "X", "ENTPersonStructRattach", "9999999Z"), structures));
        assertEquals("school", e.field());
        assertEquals("ABC", m.map(entry("uid", "a", "sn", "ABCDE"), structures).value("short").substring(0, 3));
        assertEquals("ABC", m.map(entry("uid", "a", "sn", "ABCDE"), structures).value("short"));
    }

    @Test
    void hashChangesWithContentOnly() throws Exception {
        EntityMapping m = load(HEAD + "  lastname: {from: sn}\n");
        String h1 = m.map(entry("uid", "a", "sn", "X"), structures).hash();
        assertEquals(h1, m.map(entry("uid", "a", "sn", "X"), structures).hash());
        assertTrue(!h1.equals(m.map(entry("uid", "a", "sn", "Y"), structures).hash()));
    }

    @Test
    void mistakesInTheMappingNameTheFileAndField() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(HEAD + "  lastname: {from: sn, extract: {part: 0}}\n"));
        assertTrue(e.getMessage().contains("p/users.yaml") && e.getMessage().contains("lastname") && e.getMessage().contains("part"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HEAD + "  lastname: {from: sn, formt: x}\n"));
        assertTrue(e.getMessage().contains("formt"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HEAD + "  mail: {from: mail, default: \"{nothere}@x\"}\n"));
        assertTrue(e.getMessage().contains("mail") && e.getMessage().contains("nothere"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HEAD + "  x: {from: sn, extract: {pattern: \"(\"}}\n"));
        assertTrue(e.getMessage().contains("field x") && e.getMessage().contains("regular expression"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HEAD + "  x: {from: sn, lookup: {table: structures, field: colour}}\n"));
        assertTrue(e.getMessage().contains("lookup.field"), e.getMessage());
    }
}
