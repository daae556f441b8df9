package org.entsync.pipeline;

import org.entsync.diff.IndexRow;
import org.entsync.diff.KnownPeople;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two ways a person is found unchanged (loaded fingerprints, or the index row of a page read before they were loaded) agree. */
class UnchangedPeopleTest {

    @Test
    void anIndexRowDecidesLikeTheLoadedFingerprints() {
        String dn = "uid=f17,ou=people,dc=ent-demo,dc=fr";
        KnownPeople known = new KnownPeople();
        known.add(dn, "0123456789abcdef01234567|f17");
        IndexRow row = new IndexRow(dn, "0123456789abcdef01234567|f17", 0, IndexRow.ACTIVE, 3);
        for (String fp : new String[]{"0123456789abcdef01234567", "ffffffffffffffffffffffff"}) {
            assertEquals(known.unchangedRecord(dn, fp), UnchangedPeople.unchangedRecord(row, fp), fp);
        }
        assertEquals(0, UnchangedPeople.unchangedRecord(new IndexRow(dn, row.hash(), 0, IndexRow.SUSPENDED, 3), "0123456789abcdef01234567"),
                "only active people are skipped");
        assertEquals(0, UnchangedPeople.unchangedRecord(null, "0123456789abcdef01234567"));
    }

    @Test
    void anIndexRowDecidesByMarkerLikeTheLoadedFingerprints() {
        String dn = "uid=f17,ou=people,dc=ent-demo,dc=fr";
        long marker = KnownPeople.marker("salt", "20261206155245.123456Z#000000#000#000000");
        KnownPeople known = new KnownPeople();
        known.add(dn, "0123456789abcdef01234567|f17", marker);
        IndexRow row = new IndexRow(dn, "0123456789abcdef01234567|f17", marker, IndexRow.ACTIVE, 3);
        long dnHash = org.entsync.diff.SeenKeys.hash(dn);
        for (long m : new long[]{marker, marker + 1, 0}) {
            assertEquals(known.unchangedRecordByMarker(dnHash, m), UnchangedPeople.unchangedRecordByMarker(row, m), "marker " + m);
        }
        assertEquals(org.entsync.diff.SeenKeys.hash("f17"), UnchangedPeople.unchangedRecordByMarker(row, marker));
        assertEquals(0, UnchangedPeople.unchangedRecordByMarker(new IndexRow(dn, row.hash(), marker, IndexRow.SUSPENDED, 3), marker),
                "only active people are skipped");
        assertEquals(0, UnchangedPeople.unchangedRecordByMarker(new IndexRow(dn, row.hash(), 0, IndexRow.ACTIVE, 3), 0),
                "a row without a marker never matches");
        assertEquals(0, UnchangedPeople.unchangedRecordByMarker(null, marker));
    }
}
