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

/** The role assignments a person's entry gives (pure logic, no server). */
class RoleMappingTest {
    private static final String SCHOOL_DN = "ENTStructureSIREN=19290009000015,ou=structures,dc=x";
    private static final List<String> SCHOOLS = List.of("0290009C");

    @TempDir
    Path dir;

    private RoleMapping load() throws Exception {
        Files.createDirectories(dir.resolve("p"));
        // attribute names spelled as an administrator might, in another case than the directory's
        Files.writeString(dir.resolve("p/roles.yaml"), """
                entity: roles
                rules:
                  - name: direction
                    when: {functions: [DIR]}
                    role: manager
                    context: school-category
                  - name: group
                    when: {attribute: ISMEMBEROF, pattern: "^cn=moodle-admins,"}
                    role: editingteacher
                    context: "course:{uai}$ADMIN"
                  - name: parents
                    when: {profiles: [TUT]}
                    role: parent
                    context: child-user
                """);
        return RoleMapping.load(new MappingLoader(dir, "p", Map.<String, String>of()::get, "t"), s -> null);
    }

    private static StructureDirectory structures() {
        StructureDirectory s = new StructureDirectory();
        s.add(new Structure(SCHOOL_DN, "0290009C", "19290009000015", "LYCEE DE L'IROISE", "LYCEE", List.of()));
        return s;
    }

    private static List<String> assignments(RoleMapping m, Entry e, List<String> profiles) {
        MappedRecord user = new MappedRecord(e.getDN(), "u", Map.of(), "");
        return m.assignmentsOf(e, user, profiles, SCHOOLS, structures(), List.of("*")).fields().get("assignments");
    }

    @Test
    void functionsAttributesAndChildrenAreReadWhateverTheCaseTheyAreSpelledIn() throws Exception {
        RoleMapping m = load();
        Entry head = new Entry("uid=d1,ou=people,dc=x");
        head.addAttribute("ENTPersonFonctions", SCHOOL_DN + "$DIR$DIRECTION");
        head.addAttribute("isMemberOf", "cn=moodle-admins,ou=groups,dc=x");
        assertEquals(List.of("editingteacher|course:0290009C$ADMIN", "manager|category:0290009C"), assignments(m, head, List.of("DIR")));

        Entry other = new Entry("uid=d2,ou=people,dc=x");
        other.addAttribute("ENTPersonFonctions", SCHOOL_DN + "$ENS$TEACHING");
        other.addAttribute("isMemberOf", "cn=teachers,ou=groups,dc=x");
        assertEquals(List.of(), assignments(m, other, List.of("ENS")));

        Entry parent = new Entry("uid=p1,ou=people,dc=x");
        parent.addAttribute("ENTAuxPersRelEleveEleve", "uid=Child1,ou=people,dc=x", "uid=child2,ou=people,dc=x");
        assertEquals(List.of("parent|user:child1", "parent|user:child2"), assignments(m, parent, List.of("TUT")));
    }
}
