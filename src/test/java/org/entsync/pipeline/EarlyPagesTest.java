package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarlyPagesTest {

    private static List<SearchResultEntry> page(String name, int size) {
        List<SearchResultEntry> p = new ArrayList<>();
        for (int i = 0; i < size; i++) p.add(new SearchResultEntry("uid=" + name + i + ",ou=people,dc=x", new com.unboundid.ldap.sdk.Attribute[0]));
        return p;
    }

    @Test
    void holdsPagesInReadOrderUpToItsBound() {
        EarlyPages early = new EarlyPages(25);
        List<SearchResultEntry> a = page("a", 10), b = page("b", 10), c = page("c", 10);
        assertTrue(early.hold(a));
        assertTrue(early.hold(b));
        assertFalse(early.hold(c), "30 people would be above the bound of 25");
        assertEquals(List.of(a, b), early.takeAll(), "the page refused was not kept");
        assertTrue(early.isEmpty());
        assertTrue(early.hold(c), "taking them frees the room");
    }
}
