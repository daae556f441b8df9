package org.entsync.diff;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class KnownPeopleTest {

    @Test
    void findsAPersonOnlyWithTheFingerprintTheIndexHolds() {
        KnownPeople known = new KnownPeople();
        for (int i = 0; i < 5_000; i++) known.add("uid=p" + i + ",ou=people,dc=x", "fp" + i + "|p" + i); // grows several times
        known.add("uid=broken,ou=people,dc=x", "no-bar");
        assertEquals(5_000, known.size());
        assertEquals(SeenKeys.hash("p1234"), known.unchangedRecord("uid=p1234,ou=people,dc=x", "fp1234"));
        assertEquals(0, known.unchangedRecord("uid=p1234,ou=people,dc=x", "fp9999"), "changed entry");
        assertEquals(0, known.unchangedRecord("uid=new,ou=people,dc=x", "fp1"), "unknown DN");
        assertEquals(0, known.unchangedRecord("uid=broken,ou=people,dc=x", "no-bar"), "a value without its record key is not kept");
        assertNotEquals(0, known.unchangedRecord("uid=p0,ou=people,dc=x", "fp0"));
    }

    @Test
    void aPersonAddedTwiceKeepsTheLastValue() {
        KnownPeople known = new KnownPeople();
        known.add("uid=a,dc=x", "old|a");
        known.add("uid=a,dc=x", "new|a");
        assertEquals(1, known.size());
        assertEquals(0, known.unchangedRecord("uid=a,dc=x", "old"));
        assertEquals(SeenKeys.hash("a"), known.unchangedRecord("uid=a,dc=x", "new"));
    }
}
