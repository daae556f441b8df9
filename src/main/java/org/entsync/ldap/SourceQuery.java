package org.entsync.ldap;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.SearchScope;

/**
 * Where a source's entries are searched: its name (for messages and thread names), base, scope and filter, the
 * filter parsed once (a bad one stops the run at start-up, naming the source). The paged read of a source and the
 * read of some of its entries by DN ask the same question.
 */
public record SourceQuery(String what, String base, SearchScope scope, Filter filter) {
    public static SourceQuery of(String what, String base, boolean oneLevel, String filter) {
        return new SourceQuery(what, base, oneLevel ? SearchScope.ONE : SearchScope.SUB, LdapFilters.parseConfigured(what, filter));
    }
}
