package org.entsync.ldap;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An RFC 2696 paged search that yields one page (list of entries) at a time, so that only one page is ever in
 * memory. The first page is retried with backoff (nothing was read yet, a retry is safe); a failure after that
 * throws {@link LdapReadException} and the caller treats the extraction as incomplete.
 */
public final class PagedSearch implements Iterator<List<SearchResultEntry>>, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(PagedSearch.class);

    private final LdapConnector connector;
    private final SourceQuery query;
    private final String[] attributes;
    private final int pageSize;
    private final int retries;
    private final long backoffMs;
    private LDAPConnection connection;
    private ASN1OctetString cookie;
    private volatile boolean done;
    private List<SearchResultEntry> next;
    private volatile long entriesRead;
    private int pagesRead;

    public PagedSearch(LdapConnector connector, SourceQuery query, String[] attributes, int pageSize, int retries, long backoffMs) {
        this.connector = connector;
        this.query = query;
        this.attributes = attributes;
        this.pageSize = pageSize;
        this.aheadPages = Math.max(2, Math.min(32, AHEAD_ENTRIES / Math.max(1, pageSize)));
        this.retries = retries;
        this.backoffMs = backoffMs;
    }

    /**
     * Pages read ahead by a helper thread while the caller works, about {@link #AHEAD_ENTRIES} entries (a few MB).
     * One page ahead was not enough: the reader idled whenever handing a page over took longer than slapd took for
     * the next, and for the whole time a batch of changed people was being written.
     */
    private final java.util.ArrayDeque<java.util.concurrent.Future<List<SearchResultEntry>>> ahead = new java.util.ArrayDeque<>();
    private static final int AHEAD_ENTRIES = 2000;
    private final int aheadPages;
    private java.util.concurrent.ExecutorService reader;
    /** -Dentsync.ldap.readAhead=false turns the read-ahead off (to measure it). */
    private static final boolean noReadAhead = !Boolean.parseBoolean(System.getProperty("entsync.ldap.readAhead", "true"));

    @Override
    public boolean hasNext() {
        while (next == null && !ahead.isEmpty()) next = awaitAhead(); // null: a helper found the end
        if (next == null && !done) next = fetch();
        if (next == null && reader != null) {
            reader.shutdown(); // end of the search: the helper thread goes
            reader = null;
        }
        return next != null;
    }

    private List<SearchResultEntry> awaitAhead() {
        java.util.concurrent.Future<List<SearchResultEntry>> f = ahead.poll();
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new LdapReadException(query.what() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LdapReadException("interrupted", e);
        }
    }

    /** Keeps {@link #aheadPages} pages being read after the one just handed out: slapd and the network work while the page is processed. */
    private void readAhead() {
        if (noReadAhead) return;
        while (!done && ahead.size() < aheadPages) {
            if (reader == null) {
                reader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "ldap-read-ahead-" + query.what());
                    t.setDaemon(true);
                    return t;
                });
            }
            // one helper thread: the fetches run one after the other, each with the cookie the previous one left
            ahead.add(reader.submit(() -> done ? null : fetch()));
        }
    }

    /**
     * Starts reading the first pages now, on the helper thread, before the caller asks for them: the people are
     * read while the structures and the school categories are processed (~30 ms of every run).
     */
    public PagedSearch start() {
        readAhead();
        return this;
    }

    @Override
    public List<SearchResultEntry> next() {
        if (!hasNext()) throw new NoSuchElementException();
        List<SearchResultEntry> page = next;
        next = null;
        readAhead();
        return page;
    }

    public long entriesRead() {
        return entriesRead; // written by the read-ahead thread before its Future completes
    }

    private List<SearchResultEntry> fetch() {
        int attempt = 0;
        while (true) {
            try {
                if (connection == null) connection = connector.connect();
                SearchRequest req = new SearchRequest(query.base(), query.scope(), query.filter(), attributes);
                req.addControl(new SimplePagedResultsControl(pageSize, cookie, true));
                SearchResult result = connection.search(req);
                if (result.getResultCode() != ResultCode.SUCCESS) {
                    throw new LDAPSearchException(result);
                }
                SimplePagedResultsControl resp = SimplePagedResultsControl.get(result);
                cookie = resp == null ? null : resp.getCookie();
                if (cookie == null || cookie.getValueLength() == 0) {
                    done = true;
                    closeQuietly(); // not close(): this may run on the read-ahead thread
                }
                List<SearchResultEntry> page = new ArrayList<>(result.getSearchEntries());
                entriesRead += page.size();
                pagesRead++;
                if (page.isEmpty() && done) return null;
                testPageDelay();
                return page;
            } catch (LDAPException e) {
                closeQuietly();
                // a certificate or host name problem will not go away by itself: never retried
                if (pagesRead > 0 || attempt >= retries || !LdapConnector.isRetryable(e)) {
                    done = true;
                    throw new LdapReadException(query.what() + ": LDAP search of " + query.base() + " failed after " + entriesRead
                            + " entries (" + LdapConnector.explain(e) + ")", e);
                }
                attempt++;
                long wait = backoffMs * (1L << (attempt - 1));
                LOG.warn("{}: LDAP search failed ({}), retry {}/{} in {} ms", query.what(), LdapConnector.explain(e), attempt, retries, wait);
                sleep(wait);
            }
        }
    }

    /**
     * Hidden, test-only: system property {@code entsync.test.pageDelayMs} (or environment variable
     * {@code ENTSYNC_TEST_PAGE_DELAY_MS}) slows every page by that many milliseconds, so that fault-injection tests
     * (kill -9, slapd stopped, connection killed) can strike in the middle of a run. Not a setting: never documented
     * in application.properties, 0 when absent.
     */
    private static void testPageDelay() {
        String v = System.getProperty("entsync.test.pageDelayMs", System.getenv("ENTSYNC_TEST_PAGE_DELAY_MS"));
        if (v == null || v.isBlank()) return;
        long ms;
        try {
            ms = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return;
        }
        if (ms > 0) sleep(ms);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LdapReadException("interrupted", e);
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    @Override
    public void close() {
        // interrupted: an abandoned search (the run failed first) must not wait out the first page's retries
        for (java.util.concurrent.Future<List<SearchResultEntry>> f : ahead) f.cancel(true);
        ahead.clear();
        if (reader != null) {
            reader.shutdownNow();
            try {
                reader.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS); // a page being read ends with its response or timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reader = null;
        }
        closeQuietly();
    }
}
