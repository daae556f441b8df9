package org.entsync.config;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated, typed view of {@link Settings}. Building it checks every value; the first wrong one
 * stops the program with a {@link ConfigException} naming the setting and what is expected.
 */
public record SyncConfig(
        String instance,
        Ldap ldap,
        Moodle moodle,
        Path mappingDir,
        String mappingProfile,
        List<String> schools,
        Users users,
        Removal removal,
        Owned owned,
        Groups groups,
        Path reportDir,
        int reportRetentionDays,
        int lockExpirySeconds,
        Settings settings) {

    public static final Pattern PREFIX = Pattern.compile("[a-z0-9_]{1,10}");
    private static final Pattern UAI = Pattern.compile("\\d{7}[A-Za-z]");
    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    public static final Set<String> PROFILES = Set.of("ELV", "TUT", "ENS", "DOC", "DIR", "EVS", "ETA", "ACA", "COL");

    public record Ldap(boolean embedded, List<String> urls, String bindDn, SecretValue password,
                       String baseDn, String peopleBase, String structuresBase, String groupsBase,
                       int pageSize, int connectTimeoutMs, int responseTimeoutMs,
                       boolean startTls, Path trustStore, SecretValue trustStorePassword, boolean trustAll,
                       int retries, int retryBackoffMs, Path embeddedSample, String changeMarker) {
        /** The operational attribute that changes with every write of an entry (entsync.ldap.changeMarker), or null. */
        public String changeMarkerOrNull() {
            return changeMarker.isEmpty() || changeMarker.equalsIgnoreCase("none") ? null : changeMarker;
        }
    }

    public record Moodle(String jdbcUrl, String user, SecretValue password, String prefix,
                         String createSchema, int batchSize) {
    }

    public record Users(String auth, String lang, String country, String timezone, String emailDomain,
                        List<String> profiles, String adoptBy) {
    }

    public record Removal(String policy, double maxShare) {
    }

    /** What ent-sync creates and owns besides users: categories, cohorts, role assignments. */
    public record Owned(String categoryParent, String cohortComponent, String cohortYearPrefix, String cohortRemoval,
                        String roleComponent, String parentRole) {
    }

    /** Course groups: owner component, idnumber prefix of owned groups/groupings, removal policy of groups. */
    public record Groups(String component, String idnumberPrefix, String removal) {
    }

    public static SyncConfig from(Settings s) {
        String instance = s.get("entsync.instance");
        if (!INSTANCE.matcher(instance).matches()) {
            throw new ConfigException("setting entsync.instance: expected 1-64 letters, digits, '.', '_' or '-', got '" + instance + "'");
        }
        return new SyncConfig(instance, ldap(s), moodle(s),
                Path.of(s.get("entsync.mapping.dir")), profileName(s), schools(s), users(s), removal(s), owned(s), groups(s),
                Path.of(s.get("entsync.report.dir")), s.getInt("entsync.report.retentionDays", 0, 36500),
                s.getInt("entsync.lock.expirySeconds", 5, 86400), s);
    }

    private static String profileName(Settings s) {
        String p = s.get("entsync.mapping.profile");
        if (!p.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException("setting entsync.mapping.profile: expected a folder name under entsync.mapping.dir, got '" + p + "'");
        }
        return p;
    }

    private static Ldap ldap(Settings s) {
        String url = s.get("entsync.ldap.url");
        boolean embedded = url.equalsIgnoreCase("embedded");
        List<String> urls = embedded ? List.of() : s.list("entsync.ldap.url");
        if (!embedded && urls.isEmpty()) {
            throw new ConfigException("setting entsync.ldap.url: expected 'embedded' or ldap://host:port / ldaps://host:port, got nothing");
        }
        for (String u : urls) {
            try {
                LDAPURL parsed = new LDAPURL(u);
                if (!parsed.hostProvided()) throw new LDAPException(com.unboundid.ldap.sdk.ResultCode.PARAM_ERROR, "no host");
            } catch (LDAPException e) {
                throw new ConfigException("setting entsync.ldap.url: expected ldap://host:port or ldaps://host:port, got '" + u + "'");
            }
        }
        boolean startTls = s.getBoolean("entsync.ldap.startTls");
        if (startTls && urls.stream().anyMatch(u -> u.toLowerCase().startsWith("ldaps:"))) {
            throw new ConfigException("setting entsync.ldap.startTls: StartTLS cannot be used on an ldaps:// url; use ldap:// or set it to false");
        }
        String ts = s.get("entsync.ldap.trustStore");
        Path trustStore = ts.isEmpty() ? null : Path.of(ts);
        if (trustStore != null && !java.nio.file.Files.isReadable(trustStore)) {
            throw new ConfigException("setting entsync.ldap.trustStore: file " + ts + " not found or not readable");
        }
        return new Ldap(embedded, urls, dn(s, "entsync.ldap.bindDn", true), s.secret("entsync.ldap.password"),
                dn(s, "entsync.ldap.baseDn", false), dn(s, "entsync.ldap.peopleBase", false),
                dn(s, "entsync.ldap.structuresBase", false), dn(s, "entsync.ldap.groupsBase", false),
                s.getInt("entsync.ldap.pageSize", 1, 100_000),
                s.getInt("entsync.ldap.connectTimeoutMs", 100, 600_000),
                s.getInt("entsync.ldap.responseTimeoutMs", 100, 3_600_000),
                startTls, trustStore, s.secret("entsync.ldap.trustStorePassword"), s.getBoolean("entsync.ldap.trustAll"),
                s.getInt("entsync.ldap.retries", 0, 20), s.getInt("entsync.ldap.retryBackoffMs", 0, 600_000),
                Path.of(s.get("entsync.ldap.embeddedSample")), changeMarker(s));
    }

    private static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z][A-Za-z0-9-]*|\\d+(\\.\\d+)+");

    private static String changeMarker(Settings s) {
        String v = s.get("entsync.ldap.changeMarker", "entryCSN").trim();
        if (!v.isEmpty() && !v.equalsIgnoreCase("none") && !ATTRIBUTE.matcher(v).matches()) {
            throw new ConfigException("setting entsync.ldap.changeMarker: '" + v + "' is not an LDAP attribute name; use entryCSN "
                    + "(OpenLDAP), another attribute that changes with every write of an entry, or none");
        }
        return v;
    }

    private static String dn(Settings s, String key, boolean mayBeEmpty) {
        String v = s.get(key);
        if (v.isEmpty()) {
            if (mayBeEmpty) return v;
            throw new ConfigException("setting " + key + ": expected a DN such as ou=people,dc=example,dc=fr, got nothing");
        }
        if (!DN.isValidDN(v)) throw new ConfigException("setting " + key + ": expected a DN such as ou=people,dc=example,dc=fr, got '" + v + "'");
        return v;
    }

    private static Moodle moodle(Settings s) {
        String url = s.get("entsync.moodle.jdbcUrl");
        try {
            org.entsync.moodle.Dialect.fromJdbcUrl(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("setting entsync.moodle.jdbcUrl: " + e.getMessage() + ", got '" + redactUrl(url) + "'");
        }
        String prefix = s.get("entsync.moodle.prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new ConfigException("setting entsync.moodle.prefix: expected 1-10 characters among a-z 0-9 _ (Moodle's $CFG->prefix, e.g. mdl_), got '" + prefix + "'");
        }
        return new Moodle(url, s.get("entsync.moodle.user"), s.secret("entsync.moodle.password"), prefix,
                s.oneOf("entsync.moodle.createSchema", "embedded-only", "never"),
                s.getInt("entsync.moodle.batchSize", 1, 10_000));
    }

    /** Hides a password written inside a JDBC url (password=... or user:pass@). */
    public static String redactUrl(String url) {
        if (url == null) return "";
        return url.replaceAll("(?i)(password=)[^&;]*", "$1****").replaceAll("//([^/:@]+):[^/@]*@", "//$1:****@");
    }

    private static List<String> schools(Settings s) {
        List<String> l = s.list("entsync.schools");
        if (l.isEmpty()) throw new ConfigException("setting entsync.schools: expected * or a comma-separated list of UAI codes, got nothing");
        if (l.size() == 1 && l.get(0).equals("*")) return List.of("*");
        for (String u : l) {
            if (!UAI.matcher(u).matches()) {
                throw new ConfigException("setting entsync.schools: expected UAI codes (7 digits and a letter, e.g. 0290009C) or *, got '" + u + "'");
            }
        }
        return l.stream().map(String::toUpperCase).toList();
    }

    private static Users users(Settings s) {
        String auth = s.get("entsync.users.auth");
        if (!auth.matches("[a-z0-9_]{1,20}")) {
            throw new ConfigException("setting entsync.users.auth: expected a Moodle auth plugin name (cas, ldap, shibboleth, manual...), got '" + auth + "'");
        }
        String country = s.get("entsync.users.country");
        if (!country.isEmpty() && !country.matches("[A-Z]{2}")) {
            throw new ConfigException("setting entsync.users.country: expected an ISO 3166 code of two capital letters (FR), got '" + country + "'");
        }
        List<String> profiles = s.list("entsync.users.profiles").stream().map(String::toUpperCase).toList();
        for (String p : profiles) {
            if (!PROFILES.contains(p)) {
                throw new ConfigException("setting entsync.users.profiles: unknown profile '" + p + "', expected some of " + String.join(",", new java.util.TreeSet<>(PROFILES)));
            }
        }
        String domain = s.get("entsync.users.emailDomain");
        if (!domain.matches("[A-Za-z0-9.-]+\\.[A-Za-z]{2,}")) {
            throw new ConfigException("setting entsync.users.emailDomain: expected a domain name such as ent.invalid, got '" + domain + "'");
        }
        return new Users(auth, s.get("entsync.users.lang"), country, s.get("entsync.users.timezone"), domain, profiles,
                s.oneOf("entsync.users.adoptBy", "username", "idnumber"));
    }

    private static Owned owned(Settings s) {
        for (String key : List.of("entsync.cohorts.component", "entsync.roles.component")) {
            if (!s.get(key).matches("[a-z]+_[a-z0-9_]{1,90}")) {
                throw new ConfigException("setting " + key + ": expected a Moodle component name such as local_entsync (type_name, lower case), got '" + s.get(key) + "'");
            }
        }
        String prefix = s.get("entsync.cohorts.yearPrefix");
        if (!prefix.matches("[A-Za-z0-9_.$-]{0,20}")) {
            throw new ConfigException("setting entsync.cohorts.yearPrefix: expected up to 20 letters, digits or _ . $ - (e.g. 2025-2026_), got '" + prefix + "'");
        }
        String parentRole = s.get("entsync.roles.parentRole");
        if (!parentRole.matches("[a-z0-9_]{0,100}")) {
            throw new ConfigException("setting entsync.roles.parentRole: expected a role shortname (lower case) or nothing, got '" + parentRole + "'");
        }
        return new Owned(s.get("entsync.categories.parent"), s.get("entsync.cohorts.component"), prefix,
                s.oneOf("entsync.cohorts.removal", "keep", "delete"), s.get("entsync.roles.component"), parentRole);
    }

    private static Groups groups(Settings s) {
        String component = s.get("entsync.groups.component");
        if (!component.matches("[a-z]+_[a-z0-9_]{1,90}")) {
            throw new ConfigException("setting entsync.groups.component: expected a Moodle component name such as local_entsync (type_name, lower case), got '" + component + "'");
        }
        String prefix = s.get("entsync.groups.idnumberPrefix");
        if (!prefix.matches("[A-Za-z0-9_.:$-]{1,20}")) {
            throw new ConfigException("setting entsync.groups.idnumberPrefix: expected 1-20 letters, digits or _ . : $ - (e.g. entsync:), got '" + prefix + "'");
        }
        return new Groups(component, prefix, s.oneOf("entsync.groups.removal", "keep", "delete"));
    }

    private static Removal removal(Settings s) {
        return new Removal(s.oneOf("entsync.removal.policy", "keep", "suspend", "delete"),
                s.getDouble("entsync.removal.maxShare", 0.0, 1.0));
    }
}
