package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Pages of people read before the people fingerprints are loaded, kept in read order until they are: probing the
 * index for each of them cost as much as the load they waited for (19 probes of 500 DNs, ~70 ms of PostgreSQL in a
 * run of 100 000 people). Bounded: past {@code maxEntries} (a slow load, a huge directory) the caller probes them.
 */
final class EarlyPages {
    private final int maxEntries;
    private List<List<SearchResultEntry>> pages = new ArrayList<>();
    private int entries;

    EarlyPages(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Keeps the page if there is room for it; false (and nothing kept) otherwise. */
    boolean hold(List<SearchResultEntry> page) {
        if (entries + page.size() > maxEntries) return false;
        pages.add(page);
        entries += page.size();
        return true;
    }

    boolean isEmpty() {
        return pages.isEmpty();
    }

    /** The pages held, oldest first; none are held afterwards. */
    List<List<SearchResultEntry>> takeAll() {
        List<List<SearchResultEntry>> out = pages;
        pages = new ArrayList<>();
        entries = 0;
        return out;
    }
}
