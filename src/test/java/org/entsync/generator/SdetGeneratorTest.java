package org.entsync.generator;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class SdetGeneratorTest {

    static final GeneratorOptions OPTS = new GeneratorOptions(3, 100, 42);

    static List<Entry> collect(GeneratorOptions o, GeneratedDirectory[] summary) {
        List<Entry> all = new ArrayList<>();
        summary[0] = new SdetGenerator(o).generate(all::add);
        return all;
    }

    static boolean hasOc(Entry e, String oc) {
        return e.hasObjectClass(oc);
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.ldif"), b = dir.resolve("b.ldif"), c = dir.resolve("c.ldif");
        SdetGenerator.writeLdif(OPTS, a);
        SdetGenerator.writeLdif(OPTS, b);
        SdetGenerator.writeLdif(new GeneratorOptions(3, 100, 43), c);
        assertEquals(-1, Files.mismatch(a, b), "same options must give byte-identical LDIF");
        assertNotEquals(-1, Files.mismatch(a, c), "another seed must give another LDIF");
        String text = Files.readString(a, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("dn: dc=ent-demo,dc=fr"), "suffix entry first");
        assertTrue(text.contains("dn: ou=people,dc=ent-demo,dc=fr"));
        assertTrue(text.contains("dn: ou=structures,dc=ent-demo,dc=fr"));
        assertTrue(text.contains("dn: ou=groups,dc=ent-demo,dc=fr"));
        assertTrue(text.contains("givenName:: "), "non-ASCII values are base64-encoded");
    }

    @Test
    void countsPerProfileAreRoughlyRight() {
        GeneratedDirectory[] s = new GeneratedDirectory[1];
        List<Entry> all = collect(OPTS, s);
        GeneratedDirectory d = s[0];
        assertEquals(300, d.people());
        assertEquals(3, d.schools().size());
        int people = 300;
        assertEquals(240, d.count("ELV"));
        int teachers = d.count("ENS") + d.count("DOC");
        assertEquals(30, teachers);
        assertTrue(d.count("DOC") >= 1 && d.count("DOC") <= 6, "a few documentalists: " + d.profileCounts());
        assertEquals(3, d.count("DIR"), "one director per school");
        int staff = d.count("DIR") + d.count("EVS") + d.count("ETA");
        assertTrue(staff >= 9 && staff <= 15, "~4 % staff: " + d.profileCounts());
        assertTrue(d.count("EVS") > 0 && d.count("ETA") > 0);
        assertEquals(people - 240 - teachers - staff, d.count("TUT"));
        assertTrue(d.count("TUT") > 0);

        long persons = all.stream().filter(e -> hasOc(e, "ENTPerson")).count();
        assertEquals(300, persons);
        assertEquals(240, all.stream().filter(e -> hasOc(e, "ENTEleve")).count());
        assertEquals(d.entries(), all.size());
        assertEquals(3 + 300 + d.groups(), all.size());

        // profiles: both forms, trigram only and numeric only all occur among students
        Set<String> forms = new HashSet<>();
        for (Entry e : all) {
            if (!hasOc(e, "ENTEleve")) continue;
            Set<String> p = Set.of(e.getAttributeValues("ENTPersonProfils"));
            forms.add(p.contains("National_ELV") && p.contains("National_1") ? "both" : p.contains("National_ELV") ? "tri" : "num");
        }
        assertEquals(Set.of("both", "tri", "num"), forms);

        // mail for ~70 % of students
        long withMail = all.stream().filter(e -> hasOc(e, "ENTEleve") && e.hasAttribute("mail")).count();
        assertTrue(withMail > 240 * 0.55 && withMail < 240 * 0.85, "mail ratio " + withMail);
    }

    @Test
    void identifiersAreUniqueAndWellFormed() {
        GeneratedDirectory[] s = new GeneratedDirectory[1];
        List<Entry> all = collect(new GeneratorOptions(6, 400, 7), s);
        Set<String> uids = new HashSet<>(), logins = new HashSet<>(), joins = new HashSet<>();
        for (Entry e : all) {
            if (!hasOc(e, "ENTPerson")) continue;
            String uid = e.getAttributeValue("uid");
            assertTrue(uid.matches("f17[0-9a-z]{5}"), uid);
            assertTrue(uids.add(uid), "duplicate uid " + uid);
            assertTrue(logins.add(e.getAttributeValue("ENTPersonLogin")), "duplicate login " + e.getAttributeValue("ENTPersonLogin"));
            assertTrue(e.getAttributeValue("ENTPersonLogin").matches("[a-z-]+\\.[a-z-]+[0-9]*"), e.getAttributeValue("ENTPersonLogin"));
            for (String j : e.getAttributeValues("ENTPersonJointure")) {
                assertTrue(j.matches("AC-DEMO\\$\\d+"), j);
                assertTrue(joins.add(j), "duplicate jointure " + j);
            }
            assertEquals(e.getAttributeValue("sn") + " " + e.getAttributeValue("givenName").toUpperCase(java.util.Locale.ROOT),
                    e.getAttributeValue("cn"));
        }
        assertEquals(2400, uids.size());
        Set<String> uais = new HashSet<>(), sirens = new HashSet<>();
        for (GeneratedDirectory.School sc : s[0].schools()) {
            assertTrue(sc.uai().matches("0\\d{6}[A-Z]"), sc.uai());
            assertTrue(sc.siren().matches("\\d{14}"), sc.siren());
            assertTrue(uais.add(sc.uai()));
            assertTrue(sirens.add(sc.siren()));
            assertEquals("ENTStructureSIREN=" + sc.siren() + ",ou=structures,dc=ent-demo,dc=fr", sc.dn());
            assertTrue(sc.nomCourant().matches("(CLG|LG)-.+-ac-DEMO"), sc.nomCourant());
        }
        // some homonyms get a numbered login (given.sn2, ...)
        assertTrue(logins.stream().anyMatch(l -> l.matches(".*\\d")), "no numbered homonym login");
        // lycée class names as in ESCO
        List<String> classes = s[0].schools().stream().flatMap(x -> x.classes().stream()).toList();
        assertTrue(classes.contains("6A") && classes.contains("1ERE S1") && classes.contains("TS1") && classes.contains("2NDE1"), classes.toString());
    }

    @Test
    void everyStudentHasAClassOfItsSchoolAndClassGroupsMatch() throws Exception {
        GeneratedDirectory[] s = new GeneratedDirectory[1];
        List<Entry> all = collect(OPTS, s);
        Map<String, Set<String>> classesBySchool = new HashMap<>();
        for (Entry e : all) {
            if (hasOc(e, "ENTEtablissement")) {
                classesBySchool.put(e.getDN(), java.util.Arrays.stream(e.getAttributeValues("ENTStructureClasses"))
                        .map(v -> v.split("\\$")[0]).collect(Collectors.toSet()));
            }
        }
        Map<String, String> studentClass = new HashMap<>();
        for (Entry e : all) {
            if (!hasOc(e, "ENTEleve")) continue;
            String[] cl = e.getAttributeValues("ENTEleveClasses");
            assertNotNull(cl, "student without class: " + e.getDN());
            assertEquals(1, cl.length);
            String school = e.getAttributeValue("ENTPersonStructRattach");
            assertTrue(cl[0].startsWith(school + "$"), cl[0]);
            String code = cl[0].substring(school.length() + 1);
            assertTrue(classesBySchool.get(school).contains(code), code);
            studentClass.put(new DN(e.getDN()).toNormalizedString(), cl[0]);
            for (String mustHave : List.of("ENTEleveStatutEleve", "ENTEleveMEF", "ENTEleveLibelleMEF",
                    "ENTEleveNivFormation", "ENTEleveFiliere", "ENTEleveMajeur")) {
                assertTrue(e.hasAttribute(mustHave), mustHave);
            }
        }
        int classGroups = 0;
        for (Entry e : all) {
            if (!hasOc(e, "groupOfNames")) continue;
            String[] members = e.getAttributeValues("member");
            assertTrue(members != null && members.length > 0, "empty group " + e.getDN());
            String cn = e.getAttributeValue("cn");
            assertTrue(cn.matches("esco:Etablissements:[^:]+_0\\d{6}[A-Z]:(.+:Eleves_.+|Profs)"), cn);
            if (cn.contains(":Eleves_")) {
                classGroups++;
                String cls = cn.substring(cn.indexOf(":Eleves_") + 8);
                for (String m : members) {
                    assertTrue(studentClass.get(new DN(m).toNormalizedString()).endsWith("$" + cls), m + " not in " + cls);
                }
            }
        }
        int totalClasses = classesBySchool.values().stream().mapToInt(Set::size).sum();
        assertEquals(totalClasses, classGroups);
        // every student is in exactly one class group
        long memberships = all.stream().filter(e -> e.getAttributeValue("cn") != null && e.getAttributeValue("cn").contains(":Eleves_"))
                .mapToLong(e -> e.getAttributeValues("member").length).sum();
        assertEquals(240, memberships);
    }

    @Test
    void someTeachersTeachInTwoSchoolsAndParentsPointToStudents() {
        GeneratedDirectory[] s = new GeneratedDirectory[1];
        List<Entry> all = collect(OPTS, s);
        Set<String> students = all.stream().filter(e -> hasOc(e, "ENTEleve")).map(Entry::getDN).collect(Collectors.toSet());
        int dual = 0;
        for (Entry e : all) {
            if (hasOc(e, "ENTAuxEnseignant") && e.hasAttribute("ENTAuxEnsClasses")) {
                Set<String> schools = new HashSet<>();
                for (String f : e.getAttributeValues("ENTPersonFonctions")) {
                    assertTrue(f.matches("ENTStructureSIREN=\\d{14},ou=structures,dc=ent-demo,dc=fr\\$ENS\\$ENSEIGNEMENT\\$L\\d{4}\\$[A-Z ]+"), f);
                    schools.add(f.substring(0, f.indexOf('$')));
                }
                Set<String> classSchools = new HashSet<>();
                for (String c : e.getAttributeValues("ENTAuxEnsClasses")) classSchools.add(c.substring(0, c.indexOf('$')));
                for (String c : e.getAttributeValues("ENTAuxEnsClassesMatieres")) assertEquals(3, c.split("\\$").length, c);
                assertEquals(schools, classSchools);
                if (schools.size() == 2) {
                    dual++;
                    assertEquals(e.getAttributeValues("ENTPersonFonctions")[0].split("\\$")[0], e.getAttributeValue("ENTPersonStructRattach"));
                }
            }
            if (hasOc(e, "ENTAuxPersRelEleve")) {
                String[] kids = e.getAttributeValues("ENTAuxPersRelEleveEleve");
                assertTrue(kids.length >= 1 && kids.length <= 2);
                for (String k : kids) assertTrue(students.contains(k), k);
            }
        }
        assertTrue(dual > 0, "no teacher in two schools");
        assertEquals(s[0].dualSchoolTeachers(), dual);
        // the Profs group of the second school lists the dual teacher
        long profsMembers = all.stream().filter(e -> e.getDN().contains(":Profs,")).mapToLong(e -> e.getAttributeValues("member").length).sum();
        assertEquals(s[0].count("ENS") + dual, profsMembers);
    }

    @Test
    void accentsAndSpecialNamesArePresent() {
        GeneratedDirectory[] s = new GeneratedDirectory[1];
        List<Entry> all = collect(new GeneratorOptions(2, 500, 1), s);
        Set<String> given = new HashSet<>(), sn = new HashSet<>();
        for (Entry e : all) {
            if (!hasOc(e, "ENTPerson")) continue;
            given.add(e.getAttributeValue("givenName"));
            sn.add(e.getAttributeValue("sn"));
        }
        assertTrue(given.stream().anyMatch(g -> !g.matches("\\p{ASCII}+")), "no accented given name");
        assertTrue(given.containsAll(List.of("Élodie", "Zoé", "Gaëtan", "Noël", "François")), given.toString());
        assertTrue(sn.stream().anyMatch(x -> x.contains("'")), "no apostrophe in sn");
        assertTrue(sn.stream().anyMatch(x -> x.contains("-")), "no hyphen in sn");
    }

    @Test
    void streamsLargeDirectoriesWithoutKeepingThem() {
        long[] n = {0};
        GeneratedDirectory d = new SdetGenerator(new GeneratorOptions(4, 25_000, 3)).generate(e -> n[0]++);
        assertEquals(100_000, d.people());
        assertEquals(n[0], d.entries());
        assertEquals(80_000, d.count("ELV"));
    }
}
