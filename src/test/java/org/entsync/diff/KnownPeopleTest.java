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
    void findsAPersonByMarkerOnlyWithTheMarkerTheIndexHolds() {
        KnownPeople known = new KnownPeople();
        long m = KnownPeople.marker("salt", "20261206155245.123456Z#000000#000#000000");
        for (int i = 0; i < 5_000; i++) known.add("uid=p" + i + ",dc=x", "fp" + i + "|p" + i, i == 7 ? m : 0);
        long dn7 = SeenKeys.hash("uid=p7,dc=x");
        assertEquals(SeenKeys.hash("p7"), known.unchangedRecordByMarker(dn7, m), "kept through several grows");
        assertEquals(m, known.marker(dn7));
        assertEquals(0, known.unchangedRecordByMarker(dn7, KnownPeople.marker("salt", "20261206155245.123457Z#000000#000#000000")), "written since");
        assertEquals(0, known.unchangedRecordByMarker(dn7, KnownPeople.marker("other salt", "20261206155245.123456Z#000000#000#000000")),
                "a changed mapping changes every marker");
        assertEquals(0, known.unchangedRecordByMarker(SeenKeys.hash("uid=p8,dc=x"), 0), "no marker known: never unchanged by marker");
        assertEquals(SeenKeys.hash("p8"), known.unchangedRecord("uid=p8,dc=x", "fp8"), "the fingerprint still decides");
        assertNotEquals(0, m);
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

    @Test
    void countsThePeopleNotReadInTheRun() {
        KnownPeople known = new KnownPeople();
        for (int i = 0; i < 3_000; i++) known.add("uid=p" + i + ",ou=people,dc=x", "fp" + i + "|p" + i);
        assertEquals(3_000, known.unread(), "nobody read yet");
        for (int i = 0; i < 3_000; i += 2) known.markRead(SeenKeys.hash("uid=p" + i + ",ou=people,dc=x"));
        known.markRead(SeenKeys.hash("uid=p0,ou=people,dc=x")); // read twice (a farm, a retry): counted once
        known.markRead(SeenKeys.hash("uid=new,ou=people,dc=x")); // a person the index did not know
        assertEquals(1_500, known.unread());
        for (int i = 1; i < 3_000; i += 2) known.markRead(SeenKeys.hash("uid=p" + i + ",ou=people,dc=x"));
        assertEquals(0, known.unread(), "everyone the index knew is still there");
    }

    @Test
    void namesThePeopleNotReadInTheRun() {
        KnownPeople known = new KnownPeople();
        for (int i = 0; i < 300_000; i++) known.add("uid=p" + i + ",ou=people,dc=x", "fp" + i + "|p" + i); // several DN chunks
        known.add("uid=élève,ou=people,dc=x", "fp|eleve");
        assertEquals(300_001, known.unreadDns().size(), "nobody read yet");
        for (int i = 0; i < 300_000; i++) if (i != 17 && i != 299_999) known.markRead(SeenKeys.hash("uid=p" + i + ",ou=people,dc=x"));
        assertEquals(java.util.Set.of("uid=p17,ou=people,dc=x", "uid=p299999,ou=people,dc=x", "uid=élève,ou=people,dc=x"),
                new java.util.HashSet<>(known.unreadDns()));
        assertEquals(3, known.unread());
    }

    @Test
    void cannotTellWhoLeftWhenARowWasNotHeldExactly() {
        KnownPeople known = new KnownPeople();
        known.add("uid=a,dc=x", "fp|a");
        known.add("uid=broken,dc=x", "no-bar");
        known.markRead(SeenKeys.hash("uid=a,dc=x"));
        assertEquals(-1, known.unread(), "the broken row is not in the set: the index must be asked");
        assertEquals(null, known.unreadDns());
        KnownPeople twice = new KnownPeople();
        twice.add("uid=a,dc=x", "old|a");
        twice.add("uid=a,dc=x", "new|a");
        twice.markRead(SeenKeys.hash("uid=a,dc=x"));
        assertEquals(-1, twice.unread(), "two rows, one slot");
    }
}
