package org.entsync.diff;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeenKeysTest {
    @Test
    void addsContainsAndCountsDistinctKeysAcrossGrowth() {
        SeenKeys s = new SeenKeys();
        for (int i = 0; i < 100_000; i++) assertTrue(s.add("f17" + i));
        assertFalse(s.add("f170"));
        assertEquals(100_000, s.size());
        for (int i = 0; i < 100_000; i++) assertTrue(s.contains("f17" + i));
        for (int i = 100_000; i < 200_000; i++) assertFalse(s.contains("f17" + i));
        assertFalse(s.contains(""));
        assertTrue(s.add("é$ü"));
        assertTrue(s.contains("é$ü"));
        assertFalse(s.hasOthers());
        s.markOthers();
        assertTrue(s.hasOthers());
    }

    @Test
    void hashIsFnvOverTheUtf8BytesWhateverTheCharacters() {
        for (String k : new String[]{"", "uid=f1234567,ou=people,dc=esco-centre,dc=fr", "é$ü", "abcé", "ñandú|x", "\u00ff\u0100"}) {
            assertEquals(reference(k), SeenKeys.hash(k), k);
        }
    }

    @Test
    void aSetSizedAheadOrLaterHoldsTheSameKeys() {
        SeenKeys sized = new SeenKeys(50_000);
        SeenKeys later = new SeenKeys();
        for (int i = 0; i < 1_000; i++) later.add("k" + i);
        later.expect(50_000);
        for (int i = 0; i < 50_000; i++) {
            sized.add("k" + i);
            later.add("k" + i);
        }
        assertEquals(50_000, sized.size());
        assertEquals(50_000, later.size());
        for (int i = 0; i < 50_000; i++) assertTrue(sized.contains("k" + i) && later.contains("k" + i));
        assertEquals(1 << 17, SeenKeys.capacityFor(50_000), "at most half full");
    }

    /** FNV-1a over the UTF-8 bytes, then MurmurHash3's finalizer: what the fast path must equal. */
    private static long reference(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
