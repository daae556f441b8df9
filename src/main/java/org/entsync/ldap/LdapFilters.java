package org.entsync.ldap;

import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;

import java.util.regex.Pattern;

/**
 * Builds LDAP search filters from untrusted values (UAI codes, uids, logins read from files or the command
 * line) without filter injection: values are escaped per RFC 4515 ({@code *} {@code (} {@code )}
 * {@code \} NUL and every non-ASCII byte become {@code \xx}), attribute names are checked.
 */
public final class LdapFilters {

    /** An attribute description: a name (or numeric OID) and options, RFC 4512 section 2.5. */
    private static final Pattern ATTRIBUTE = Pattern.compile("(?:[A-Za-z][A-Za-z0-9-]*|\\d+(?:\\.\\d+)+)(?:;[A-Za-z0-9-]+)*");

    private LdapFilters() {
    }

    /** {@code (attribute=value)} with {@code value} escaped, e.g. {@code equals("uid", "a*b")} is {@code (uid=a\2ab)}. */
    public static String equals(String attribute, String value) {
        if (attribute == null || !ATTRIBUTE.matcher(attribute).matches()) {
            throw new IllegalArgumentException("not an LDAP attribute name: '" + attribute + "'");
        }
        if (value == null) throw new IllegalArgumentException("null value for attribute " + attribute);
        return Filter.createEqualityFilter(attribute, value).toString();
    }

    /** A source's filter from the configuration, parsed; a bad one stops the run at start-up, naming the source. */
    public static Filter parseConfigured(String what, String filter) {
        try {
            return Filter.create(filter);
        } catch (LDAPException e) {
            throw new org.entsync.config.ConfigException(what + ": invalid LDAP filter '" + filter + "' (" + e.getMessage() + ")");
        }
    }

    /** {@code (&f1f2...)}; a single filter is returned as it is. Each filter must be a valid filter. */
    public static String and(String... filters) {
        return combine('&', filters);
    }

    /** {@code (|f1f2...)}; a single filter is returned as it is. Each filter must be a valid filter. */
    public static String or(String... filters) {
        return combine('|', filters);
    }

    private static String combine(char op, String... filters) {
        if (filters == null || filters.length == 0) throw new IllegalArgumentException("no filter to combine with " + op);
        StringBuilder b = new StringBuilder().append('(').append(op);
        for (String f : filters) b.append(valid(f));
        if (filters.length == 1) return filters[0];
        return b.append(')').toString();
    }

    private static String valid(String filter) {
        if (filter == null) throw new IllegalArgumentException("null filter");
        try {
            Filter.create(filter);
            return filter;
        } catch (LDAPException e) {
            throw new IllegalArgumentException("invalid LDAP filter '" + filter + "': " + e.getExceptionMessage(), e);
        }
    }
}
