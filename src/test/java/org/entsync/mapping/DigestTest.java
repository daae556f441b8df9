package org.entsync.mapping;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import org.entsync.diff.EntryFingerprint;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Record hashes and entry fingerprints are stored in the index: they must not change from one version to the next,
 * or every person would be mapped and rewritten after an upgrade. The expected values were computed by the
 * implementation before {@link Digest} (one MessageDigest update per piece, String.getBytes for every value).
 */
class DigestTest {

    @Test
    void hashesAreThoseEarlierVersionsStored() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("username", List.of("f17abc"));
        fields.put("firstname", List.of("Zoé-Renommée 😀"));
        fields.put("cohorts", List.of("0952092H$class$6A", "x\u0007y"));
        assertEquals("fbc696cb6902a48f451ed23d791eb1aabb5b50a9", MappedRecord.hash("salt-é", fields));
        Entry e = new Entry("uid=f17abc,ou=people,dc=ent-demo,dc=fr", new Attribute("uid", "f17abc"), new Attribute("givenName", "Zoé"),
                new Attribute("ENTEleveClasses", "a$b", "c$d"));
        assertEquals("2a82719a08f71cf1a8cbd0eb", EntryFingerprint.of(e, "people-salt"));
        assertEquals("5f178ef133fd58090c8aa22cb8403030", EntryFingerprint.combine(Arrays.asList("a", null, "é")));
    }

    @Test
    void theBufferStartsEmptyAndGrowsPastItsFirstSize() {
        String big = "v".repeat(10_000);
        String first = MappedRecord.hash("s", Map.of("f", List.of(big)));
        assertEquals(first, MappedRecord.hash("s", Map.of("f", List.of(big))), "the same input, the same hash, whatever came before");
        assertNotEquals(first, MappedRecord.hash("s", Map.of("f", List.of(big + "w"))));
        assertEquals(Digest.start().text("ab").hex(64), Digest.start().text("a").text("b").hex(64), "pieces or one string: the same bytes");
    }
}
