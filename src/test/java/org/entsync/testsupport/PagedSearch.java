package org.entsync.testsupport;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;

import java.util.ArrayList;
import java.util.List;

/** Simple paged results (RFC 2696) search helper for tests. */
public final class PagedSearch {
    private PagedSearch() {
    }

    /** All entries under base matching filter, read page by page; also returns how many pages were needed. */
    public record Result(List<SearchResultEntry> entries, int pages) {
    }

    public static Result search(LDAPConnection c, String base, String filter, int pageSize, String... attrs)
            throws LDAPException {
        List<SearchResultEntry> all = new ArrayList<>();
        ASN1OctetString cookie = null;
        int pages = 0;
        do {
            SearchRequest req = new SearchRequest(base, SearchScope.SUB, filter, attrs);
            req.setControls(new SimplePagedResultsControl(pageSize, cookie, true));
            SearchResult res = c.search(req);
            pages++;
            all.addAll(res.getSearchEntries());
            SimplePagedResultsControl resp = SimplePagedResultsControl.get(res);
            if (resp == null) throw new IllegalStateException("server ignored the paged results control");
            cookie = resp.getCookie();
        } while (cookie != null && cookie.getValueLength() > 0);
        return new Result(all, pages);
    }
}
