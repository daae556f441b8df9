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
}
