package org.entsync.mapping;

import com.unboundid.ldap.sdk.Entry;
import org.entsync.ldap.Structure;
import org.entsync.ldap.StructureDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cohorts a person belongs to, from their entry (pure logic, no server). */
class CohortMappingTest {
    private static final String SCHOOL_DN = "ENTStructureSIREN=19290009000015,ou=structures,dc=x";

    @TempDir
    Path dir;

    private CohortMapping load() throws Exception {
        Files.createDirectories(dir.resolve("p"));
        Files.writeString(dir.resolve("p/cohorts.yaml"), """
                entity: cohorts
                kinds:
                  class:
                    from: ENTEleveClasses
                    parts: [structure, code]
                    idnumber: "{uai}$class${code}"
                    name: "{code} — {school}"
                  students:
                    from: [ENTPersonStructRattach, ENTEleveClasses]
                    parts: [structure]
                    idnumber: "{uai}$profile$ELV"
                    name: "Élèves — {school}"
                """);
        return CohortMapping.load(new MappingLoader(dir, "p", Map.<String, String>of()::get, "t"), "");
    }

    private static StructureDirectory structures(String schoolName) {
        StructureDirectory s = new StructureDirectory();
        s.add(new Structure(SCHOOL_DN, "0290009C", "19290009000015", schoolName, "LYCEE", List.of()));
        return s;
    }

    private static Entry student(String uid, String... classes) {
        Entry e = new Entry("uid=" + uid + ",ou=people,dc=x");
        e.addAttribute("ENTPersonStructRattach", SCHOOL_DN);
        e.addAttribute("ENTEleveClasses", classes);
        return e;
    }

    private static List<String> names(List<CohortMapping.Cohort> cohorts) {
        return cohorts.stream().map(c -> c.idnumber() + " " + c.name()).toList();
    }

    @Test
    void studentsOfOneClassGetTheSameCohortsEachWithTheirOwnClasses() throws Exception {
        CohortMapping m = load();
        StructureDirectory s = structures("LYCEE DE L'IROISE");
        List<String> all = List.of("*");
        assertEquals(List.of("0290009C$class$1ERE S3 1ERE S3 — LYCEE DE L'IROISE", "0290009C$profile$ELV Élèves — LYCEE DE L'IROISE"),
                names(m.cohortsOf(student("a", SCHOOL_DN + "$1ERE S3"), null, List.of(), s, all)));
        assertEquals(List.of("0290009C$class$1ERE S3 1ERE S3 — LYCEE DE L'IROISE", "0290009C$class$TS2 TS2 — LYCEE DE L'IROISE",
                        "0290009C$profile$ELV Élèves — LYCEE DE L'IROISE"),
                names(m.cohortsOf(student("b", SCHOOL_DN + "$1ERE S3", SCHOOL_DN + "$TS2"), null, List.of(), s, all)));
        assertEquals(List.of("0290009C$profile$ELV Élèves — LYCEE DE L'IROISE"),
                names(m.cohortsOf(student("c", SCHOOL_DN + "$ "), null, List.of(), s, all)), "a blank class code gives no class cohort");
    }

    @Test
    void aLaterRunsStructuresAndAnotherSchoolListAreNotAnsweredFromTheFirstOnes() throws Exception {
        CohortMapping m = load();
        Entry e = student("a", SCHOOL_DN + "$1ERE S3");
        assertEquals("1ERE S3 — OLD NAME", m.cohortsOf(e, null, List.of(), structures("OLD NAME"), List.of("*")).get(0).name());
        assertEquals("1ERE S3 — NEW NAME", m.cohortsOf(e, null, List.of(), structures("NEW NAME"), List.of("*")).get(0).name());
        StructureDirectory s = structures("NEW NAME");
        assertEquals(2, m.cohortsOf(e, null, List.of(), s, List.of("0290009C")).size());
        assertEquals(List.of(), m.cohortsOf(e, null, List.of(), s, List.of("0351234A")), "a school this instance does not serve");
    }
}
