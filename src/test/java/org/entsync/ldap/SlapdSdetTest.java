package org.entsync.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.testsupport.PagedSearch;
import org.entsync.testsupport.Slapd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The generated directory against a real OpenLDAP slapd with the real SDET schema (schema checking on). */
class SlapdSdetTest {

    static final String SUFFIX = GeneratorOptions.DEFAULT_SUFFIX;

    @Test
    void slapdLoadsGeneratedDirectoryPagesEverythingAndEnforcesTheSchema(@TempDir Path work) throws Exception {
        assertTrue(Slapd.available(), "OpenLDAP slapd is not installed: run `apt-get install slapd ldap-utils`");
        Path ldif = work.resolve("sdet.ldif");
        GeneratedDirectory d = SdetGenerator.writeLdif(new GeneratorOptions(3, 100, 11), ldif);

        // sizelimit 100 (< 300 people) so that only a paged search can read everybody
        try (Slapd slapd = Slapd.start(work.resolve("slapd"), SUFFIX, ldif, 100)) {
            String conf = Files.readString(slapd.workDir().resolve("slapd.conf"));
            assertTrue(conf.contains("limits * size.prtotal=unlimited"));

            try (LDAPConnection anon = new LDAPConnection("127.0.0.1", slapd.port())) {
                LDAPSearchException limited = assertThrows(LDAPSearchException.class,
                        () -> anon.search("ou=people," + SUFFIX, SearchScope.SUB, "(objectClass=ENTPerson)", "uid"));
                assertEquals(ResultCode.SIZE_LIMIT_EXCEEDED, limited.getResultCode());

                PagedSearch.Result r = PagedSearch.search(anon, "ou=people," + SUFFIX, "(objectClass=ENTPerson)", 50,
                        "uid", "ENTPersonProfils");
                assertEquals(300, r.entries().size());
                assertTrue(r.pages() >= 6, "pages: " + r.pages());
                Set<String> uids = new HashSet<>();
                for (SearchResultEntry e : r.entries()) uids.add(e.getAttributeValue("uid"));
                assertEquals(300, uids.size());
            }

            try (LDAPConnection admin = slapd.connect()) {
                assertEquals(d.count("ELV"), PagedSearch.search(admin, SUFFIX, "(objectClass=ENTEleve)", 50).entries().size());
                assertEquals(d.count("TUT"), PagedSearch.search(admin, SUFFIX, "(objectClass=ENTAuxPersRelEleve)", 50).entries().size());
                assertEquals(d.groups(), PagedSearch.search(admin, "ou=groups," + SUFFIX, "(objectClass=groupOfNames)", 50).entries().size());
                GeneratedDirectory.School school = d.schools().get(1);
                SearchResultEntry st = admin.searchForEntry(SUFFIX, SearchScope.SUB, "(ENTStructureUAI=" + school.uai() + ")");
                assertNotNull(st);
                assertEquals(school.siren(), st.getAttributeValue("ENTStructureSIREN"));

                // a student without ENTEleveClasses violates ENTEleve's MUST list
                Entry bad = new Entry("uid=f17zzzzz,ou=people," + SUFFIX);
                bad.addAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", "ENTEleve");
                bad.addAttribute("uid", "f17zzzzz");
                bad.addAttribute("cn", "TEST ZOE");
                bad.addAttribute("sn", "TEST");
                bad.addAttribute("ENTPersonLogin", "zoe.test");
                bad.addAttribute("ENTPersonJointure", "AC-DEMO$1");
                for (String a : List.of("ENTEleveStatutEleve", "ENTEleveMEF", "ENTEleveLibelleMEF", "ENTEleveNivFormation",
                        "ENTEleveFiliere")) bad.addAttribute(a, "X");
                bad.addAttribute("ENTEleveMajeur", "N");
                LDAPException ex = assertThrows(LDAPException.class, () -> admin.add(bad));
                assertEquals(ResultCode.OBJECT_CLASS_VIOLATION, ex.getResultCode(), ex.getMessage());

                // the same entry with a class is accepted
                bad.addAttribute("ENTEleveClasses", school.dn() + "$" + school.classes().get(0));
                admin.add(bad);
            }

            // fault injection: SIGKILL then restart keeps the data
            slapd.kill();
            assertFalse(slapd.running());
            slapd.restart();
            try (LDAPConnection admin = slapd.connect()) {
                assertEquals(301, PagedSearch.search(admin, "ou=people," + SUFFIX, "(objectClass=ENTPerson)", 50).entries().size());
            }
        }
    }

    @Test
    void slapaddRejectsASchemaViolation(@TempDir Path work) throws Exception {
        assertTrue(Slapd.available(), "OpenLDAP slapd is not installed: run `apt-get install slapd ldap-utils`");
        Path ldif = work.resolve("bad.ldif");
        StringBuilder b = new StringBuilder();
        for (Entry e : SdetGenerator.baseEntries(SUFFIX)) b.append(e.toLDIFString()).append('\n');
        b.append("""
                dn: uid=f17aaaaa,ou=people,dc=ent-demo,dc=fr
                objectClass: inetOrgPerson
                objectClass: ENTPerson
                objectClass: ENTEleve
                uid: f17aaaaa
                cn: X Y
                sn: X
                ENTPersonLogin: y.x
                ENTPersonJointure: AC-DEMO$2

                """);
        Files.writeString(ldif, b.toString());
        Slapd.SlapaddException ex = assertThrows(Slapd.SlapaddException.class, () -> Slapd.start(work.resolve("s"), SUFFIX, ldif));
        assertTrue(ex.output().contains("ENTEleve") || ex.output().toLowerCase().contains("object class"), ex.output());
    }
}
