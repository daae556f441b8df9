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
}
