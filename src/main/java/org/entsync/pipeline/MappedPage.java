package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.mapping.MappedRecord;

import java.util.List;
import java.util.Set;

/**
 * One page after mapping, for one entity: the records (with the LDAP entry each came from), the keys of entries
 * that failed (still "seen", so never removed because they are broken), records this entity defines on the way
 * (cohort definitions for memberships), and the entries that map to no record of the instance: out of its
 * schools, or left out by the mapping's {@code include} (remembered as such, so skipped while unchanged), and the
 * entries whose record key another entry of the run already took.
 */
public record MappedPage(List<MappedRecord> records, List<SearchResultEntry> entries, List<String> failedKeys, List<MappedRecord> definitions,
                         List<SearchResultEntry> outOfScope, List<SearchResultEntry> filtered, Set<String> duplicates) {
    public MappedPage(List<MappedRecord> records, List<SearchResultEntry> entries, List<String> failedKeys, List<MappedRecord> definitions,
                      List<SearchResultEntry> outOfScope, List<SearchResultEntry> filtered) {
        this(records, entries, failedKeys, definitions, outOfScope, filtered, java.util.concurrent.ConcurrentHashMap.newKeySet());
    }

    public MappedPage withRecords(List<MappedRecord> r, List<MappedRecord> defs) {
        return new MappedPage(r, entries, failedKeys, defs, outOfScope, filtered, duplicates);
    }

    /**
     * Notes that this entry's record key was already taken in this run by another entry (the users diff finds it):
     * the records derived from it (memberships, assignments, class keys) are then left out, since they would be
     * written for the other entry's account.
     */
    public void duplicate(String dn) {
        duplicates.add(dn);
    }
}
