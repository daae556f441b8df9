package org.entsync.ldap;

/** A search that could not be completed: the extraction of that entity is incomplete, so nothing is removed. */
public class LdapReadException extends RuntimeException {
    public LdapReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
