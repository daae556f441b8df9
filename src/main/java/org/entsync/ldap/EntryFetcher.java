package org.entsync.ldap;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads whole entries of a source by DN, for a differential run that read only the change markers of all the
 * people: one search per {@link #CHUNK} DNs under the source's base, with its filter AND an OR of the entries' RDNs
 * (uid=... in an SDET directory, an indexed attribute), on one connection kept for the run. An entry is matched by
 * its RDN and kept only when its DN is one asked for, so a namesake elsewhere in the subtree is never taken. A DN
 * that no longer matches (deleted or out of the filter since the markers were read) is simply not returned.
 */
public final class EntryFetcher implements Closeable {
    /** DNs per search: small enough for the servers' default size limit (500) even with a paged control refused. */
    public static final int CHUNK = 200;

    private final LdapConnector connector;
    private final SourceQuery query;
    private final String[] attributes;
    private final int retries;
    private LDAPConnection connection;

    public EntryFetcher(LdapConnector connector, SourceQuery query, String[] attributes, int retries) {
        this.connector = connector;
        this.query = query;
        this.attributes = attributes;
        this.retries = retries;
    }

    /** The entries of these DNs that the source's search would return now, in no particular order. */
    public synchronized List<SearchResultEntry> fetch(Collection<String> dns) {
        List<SearchResultEntry> found = new ArrayList<>(dns.size());
        List<String> chunk = new ArrayList<>(CHUNK);
        for (String dn : dns) {
            chunk.add(dn);
            if (chunk.size() == CHUNK) {
                fetchChunk(chunk, found);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) fetchChunk(chunk, found);
        return found;
    }

    private void fetchChunk(List<String> dns, List<SearchResultEntry> found) {
        Set<String> wanted = new HashSet<>();
        List<Filter> rdns = new ArrayList<>(dns.size());
        for (String dn : dns) {
            try {
                RDN rdn = new DN(dn).getRDN();
                if (rdn == null) continue;
                String[] names = rdn.getAttributeNames();
                byte[][] values = rdn.getByteArrayAttributeValues();
                List<Filter> parts = new ArrayList<>(names.length);
                for (int i = 0; i < names.length; i++) parts.add(Filter.createEqualityFilter(names[i], values[i]));
                rdns.add(parts.size() == 1 ? parts.get(0) : Filter.createANDFilter(parts));
                wanted.add(dn.toLowerCase(Locale.ROOT));
            } catch (LDAPException e) {
                // a DN the server gave cannot be malformed; if it were, the entry is simply not fetched
            }
        }
        if (rdns.isEmpty()) return;
        Filter f = Filter.createANDFilter(query.filter(), Filter.createORFilter(rdns));
        for (int attempt = 0; ; attempt++) {
            try {
                if (connection == null) connection = connector.connect();
                ASN1OctetString cookie = null;
                do {
                    SearchRequest req = new SearchRequest(query.base(), query.scope(), f, attributes);
                    req.addControl(new SimplePagedResultsControl(CHUNK, cookie, false));
                    SearchResult result = connection.search(req);
                    for (SearchResultEntry e : result.getSearchEntries()) {
                        if (wanted.contains(e.getDN().toLowerCase(Locale.ROOT))) found.add(e);
                    }
                    SimplePagedResultsControl resp = SimplePagedResultsControl.get(result);
                    cookie = resp == null ? null : resp.getCookie();
                } while (cookie != null && cookie.getValueLength() > 0);
                return;
            } catch (LDAPException e) {
                close();
                if (attempt >= retries || !LdapConnector.isRetryable(e)) {
                    throw new LdapReadException(query.what() + ": LDAP search of " + query.base() + " failed after the change markers were read, "
                            + "reading " + dns.size() + " changed entries whole (" + LdapConnector.explain(e) + ")", e);
                }
            }
        }
    }

    /**
     * Whether the directory returns this attribute for the entries of the source: asked of one entry. A directory
     * without it (the embedded one, an OpenLDAP with lastmod off) is then read whole, not entry by entry.
     */
    public boolean returnsAttribute(String attribute) {
        try {
            if (connection == null) connection = connector.connect();
            SearchRequest req = new SearchRequest(query.base(), query.scope(), query.filter(), attribute);
            req.setSizeLimit(1);
            SearchResultEntry e = connection.searchForEntry(req);
            return e != null && e.hasAttribute(attribute);
        } catch (LDAPException e) {
            if (e instanceof com.unboundid.ldap.sdk.LDAPSearchException s && !s.getSearchEntries().isEmpty()) {
                return s.getSearchEntries().get(0).hasAttribute(attribute);
            }
            close();
            return false; // the read proper will report what is wrong with the directory
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
