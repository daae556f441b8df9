package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Changed people of one run waiting to be mapped and written, with their fingerprints: when most people are
 * unchanged, a page holds a handful of changed ones, and writing them page by page would cost every statement of
 * every entity once per LDAP page. They are gathered until a page's worth is there (or the source ends), so a 1 %
 * run writes in as few transactions as a first sync writes per 100 people. Bounded by one page.
 */
final class PeopleBatch {
    private List<SearchResultEntry> entries = new ArrayList<>();
    private Map<String, String> fingerprints = new HashMap<>();

    void add(SearchResultEntry e, String dn, String fingerprint) {
        entries.add(e);
        fingerprints.put(dn, fingerprint);
    }

    int size() {
        return entries.size();
    }

    /** The people gathered so far and their fingerprints (by lower-case DN); the batch starts again empty. */
    Taken take() {
        Taken t = new Taken(entries, fingerprints);
        entries = new ArrayList<>();
        fingerprints = new HashMap<>();
        return t;
    }

    record Taken(List<SearchResultEntry> entries, Map<String, String> fingerprints) {
    }
}
