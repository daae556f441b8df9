package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Changed people of one run waiting to be mapped and written, with their fingerprints: when most people are
 * unchanged, a page holds a handful of changed ones, and writing them page by page would cost every statement of
 * every entity once per LDAP page. They are gathered until a write batch is there ({@code entsync.moodle.batchSize},
 * a fifth of one when the writer is idle, or the source ends), so a 1 % run of 100 000 people writes in a handful of
 * transactions per entity, not two hundred, and little is left to write when the read ends.
 * Bounded by one batch plus one page.
 */
final class PeopleBatch {
    private List<SearchResultEntry> entries = new ArrayList<>();
    private Map<String, String> fingerprints = new HashMap<>();
    private Map<String, Long> markers = new HashMap<>();

    /** A changed person, with the hash of their entry's change marker (0: none) to remember with the fingerprint. */
    void add(SearchResultEntry e, String dn, String fingerprint, long marker) {
        entries.add(e);
        fingerprints.put(dn, fingerprint);
        if (marker != 0) markers.put(dn, marker);
    }

    int size() {
        return entries.size();
    }

    /** The people gathered so far, their fingerprints and markers (by lower-case DN); the batch starts again empty. */
    Taken take() {
        Taken t = new Taken(entries, fingerprints, markers);
        entries = new ArrayList<>();
        fingerprints = new HashMap<>();
        markers = new HashMap<>();
        return t;
    }

    record Taken(List<SearchResultEntry> entries, Map<String, String> fingerprints, Map<String, Long> markers) {
    }
}
