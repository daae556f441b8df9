package org.entsync.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class LdapFiltersTest {

    @Test
    void plainValueIsUnchanged() {
        assertEquals("(ENTStructureUAI=0290009C)", LdapFilters.equals("ENTStructureUAI", "0290009C"));
    }

    @Test
    void metacharactersAreEscapedPerRfc4515() {
        assertEquals("(uid=a\\2ab)", LdapFilters.equals("uid", "a*b"));
        assertEquals("(cn=\\28x\\29)", LdapFilters.equals("cn", "(x)"));
        assertEquals("(cn=back\\5cslash)", LdapFilters.equals("cn", "back\\slash"));
        assertEquals("(cn=nul\\00byte)", LdapFilters.equals("cn", "nul\u0000byte"));
        // an injection attempt stays a single equality assertion
        String f = LdapFilters.equals("uid", "*)(objectClass=*");
        assertEquals("(uid=\\2a\\29\\28objectClass=\\2a)", f);
        Filter parsed = assertDoesNotThrow(() -> Filter.create(f));
        assertEquals(Filter.FILTER_TYPE_EQUALITY, parsed.getFilterType());
        assertEquals("*)(objectClass=*", parsed.getAssertionValue());
    }

    @Test
    void nonAsciiRoundTripsAsUtf8() throws Exception {
        String value = "Lœtitia Müller-Ébène 李";
        String f = LdapFilters.equals("sn", value);
        // only printable ASCII in the filter string, non-ASCII as \xx UTF-8 bytes
        assertTrue(f.chars().allMatch(c -> c >= 0x20 && c < 0x7f), f);
        assertTrue(f.contains("\\c5\\93"), f); // œ = C5 93
        Filter parsed = Filter.create(f);
        assertEquals(value, parsed.getAssertionValue());
        assertArrayEquals(value.getBytes(StandardCharsets.UTF_8), parsed.getAssertionValueBytes());
        Entry e = new Entry("uid=x,dc=test");
        e.addAttribute("sn", value);
        assertTrue(parsed.matchesEntry(e));
        e.setAttribute("sn", "Loetitia");
        assertFalse(parsed.matchesEntry(e));
    }

    @Test
    void andCombinesValidFilters() throws Exception {
        String f = LdapFilters.and("(objectClass=ENTPerson)", LdapFilters.equals("ENTPersonLogin", "a*"),
                LdapFilters.equals("ENTPersonProfils", "National_ELV"));
        assertEquals("(&(objectClass=ENTPerson)(ENTPersonLogin=a\\2a)(ENTPersonProfils=National_ELV))", f);
        assertEquals(Filter.FILTER_TYPE_AND, Filter.create(f).getFilterType());
        assertEquals("(uid=x)", LdapFilters.and("(uid=x)"));
        assertEquals("(|(uid=x)(uid=y))", LdapFilters.or("(uid=x)", "(uid=y)"));
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, LdapFilters::and);
        assertThrows(IllegalArgumentException.class, () -> LdapFilters.and("(uid=x)", "uid=y)("));
        assertThrows(IllegalArgumentException.class, () -> LdapFilters.and("(uid=x)", null));
        assertThrows(IllegalArgumentException.class, () -> LdapFilters.equals("uid=*)(cn", "x"));
        assertThrows(IllegalArgumentException.class, () -> LdapFilters.equals("", "x"));
        assertThrows(IllegalArgumentException.class, () -> LdapFilters.equals("uid", null));
        assertEquals("(cn;lang-fr=x)", LdapFilters.equals("cn;lang-fr", "x"));
        assertEquals("(2.5.4.3=x)", LdapFilters.equals("2.5.4.3", "x"));
    }
}
