package org.entsync.moodle;

import java.util.Locale;

/** The SQL dialects ent-sync writes. H2 is the embedded default; Moodle itself runs on the other two. */
public enum Dialect {
    H2("h2"),
    POSTGRESQL("postgresql"),
    MARIADB("mariadb");

    private final String resourceName;

    Dialect(String resourceName) {
        this.resourceName = resourceName;
    }

    /** Folder/file name used for the per-dialect SQL resources. */
    public String resourceName() {
        return resourceName;
    }

    /** Derives the dialect from a JDBC url; MySQL urls are served by the MariaDB dialect. */
    public static Dialect fromJdbcUrl(String url) {
        String u = url == null ? "" : url.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:h2:")) return H2;
        if (u.startsWith("jdbc:postgresql:")) return POSTGRESQL;
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) return MARIADB;
        throw new IllegalArgumentException("unsupported JDBC url (expected jdbc:h2:, jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:)");
    }
}
