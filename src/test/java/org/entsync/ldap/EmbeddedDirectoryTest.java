package org.entsync.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.schema.Schema;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.testsupport.PagedSearch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class EmbeddedDirectoryTest {

    static final Path SCHEMA_DIR = Path.of("schema", "sdet");

    @Test
    void sdetSchemaParsesEveryDefinition() throws Exception {
        SdetSchema.Parsed p = SdetSchema.parse(SdetSchema.readDirectory(SCHEMA_DIR));
        assertEquals(157, p.attributeTypes().size());
        assertEquals(32, p.objectClasses().size());
        // the only oddity is the stray ')' after ENTPersonProfils
        assertEquals(1, p.warnings().size(), p.warnings().toString());
        assertTrue(p.warnings().get(0).startsWith("13-esco-personne.schema:"), p.warnings().toString());
        Schema s = SdetSchema.merge(p);
        assertEquals("1.1.1.1.114", s.getAttributeType("ENTPersonProfils").getOID());
        assertEquals("1.3.6.1.4.1.1466.115.121.1.15{1}", s.getAttributeType("ENTPersonSexe").getSyntaxOID());
        assertEquals("ENTPerson", s.getObjectClass("ENTEleve").getSuperiorClasses()[0]);
        assertNotNull(s.getObjectClass("inetOrgPerson"), "standard schema merged");
        assertNotNull(s.getObjectClass("eduMember"));
    }

    @Test
    void embeddedServerServesTheGeneratedDirectoryWithSchemaChecking() throws Exception {
        GeneratorOptions o = new GeneratorOptions(3, 300, 5);
        GeneratedDirectory[] d = new GeneratedDirectory[1];
        EmbeddedDirectory.Options opts = new EmbeddedDirectory.Options("s3cret", SCHEMA_DIR, true);
        long t0 = System.nanoTime();
        try (EmbeddedDirectory dir = EmbeddedDirectory.start(o.suffix(), 0,
                sink -> d[0] = new SdetGenerator(o).generate(sink), opts)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 30_000, "loading took " + ms + " ms");
            assertTrue(dir.schemaChecking(), dir.schemaProblem());
            assertTrue(dir.port() > 0);
            assertEquals("ldap://127.0.0.1:" + dir.port(), dir.url());
            assertEquals("cn=admin,dc=ent-demo,dc=fr", dir.bindDn());
            assertEquals(d[0].entries(), dir.loadedEntries());

            try (LDAPConnection c = new LDAPConnection("127.0.0.1", dir.port(), dir.bindDn(), "s3cret")) {
                assertEquals(900, PagedSearch.search(c, "ou=people," + o.suffix(), "(objectClass=ENTPerson)", 50).entries().size());
                assertEquals(3, PagedSearch.search(c, "ou=structures," + o.suffix(), "(objectClass=ENTEtablissement)", 50).entries().size());
                assertEquals(d[0].groups(), PagedSearch.search(c, "ou=groups," + o.suffix(), "(objectClass=groupOfNames)", 50).entries().size());
                assertEquals(d[0].entries() + 4, PagedSearch.search(c, o.suffix(), "(objectClass=*)", 50).entries().size());
                assertEquals(d[0].count("ENS") + d[0].count("DOC"),
                        PagedSearch.search(c, o.suffix(), "(objectClass=ENTAuxEnseignant)", 50).entries().size());

                Entry bad = new Entry("uid=f17zzzzz,ou=people," + o.suffix());
                bad.addAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "ENTPerson", "ENTEleve");
                bad.addAttribute("uid", "f17zzzzz");
                bad.addAttribute("cn", "TEST ZOE");
                bad.addAttribute("sn", "TEST");
                bad.addAttribute("ENTPersonLogin", "zoe.test");
                bad.addAttribute("ENTPersonJointure", "AC-DEMO$1");
                LDAPException ex = assertThrows(LDAPException.class, () -> c.add(bad));
                assertEquals(ResultCode.OBJECT_CLASS_VIOLATION, ex.getResultCode());
            }
        }
    }
}
