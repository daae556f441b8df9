package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.entsync.mapping.MappedRecord;

import java.util.List;

/**
 * One page after mapping, for one entity: the records (with the LDAP entry each came from), the keys of entries
 * that failed (still "seen", so never removed because they are broken), records this entity defines on the way
 * (cohort definitions for memberships), and the entries that map to no record of the instance: out of its
 * schools, or left out by the mapping's {@code include} (remembered as such, so skipped while unchanged).
 */
public record MappedPage(List<MappedRecord> records, List<SearchResultEntry> entries, List<String> failedKeys, List<MappedRecord> definitions,
                         List<SearchResultEntry> outOfScope, List<SearchResultEntry> filtered) {
    public MappedPage withRecords(List<MappedRecord> r, List<MappedRecord> defs) {
        return new MappedPage(r, entries, failedKeys, defs, outOfScope, filtered);
    }
}
