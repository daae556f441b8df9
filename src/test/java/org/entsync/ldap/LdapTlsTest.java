package org.entsync.ldap;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.testsupport.Slapd;
import org.entsync.testsupport.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link LdapConnector} over TLS against real slapd servers with certificates from a throwaway {@link TestCa}:
 * {@code good} presents a certificate for 127.0.0.1/localhost signed by CA one, {@code wrongHost} one for
 * wrong.example.invalid signed by the same CA; CA two is unrelated (the "untrusted" trust store).
 */
class LdapTlsTest {

    static final String SUFFIX = GeneratorOptions.DEFAULT_SUFFIX;
    static final String STORE_PASSWORD = "changeit";

    @TempDir
    static Path work;
    static GeneratedDirectory directory;
    static Path trusted;
    static Path untrusted;
    static Slapd good;
    static Slapd wrongHost;

    @BeforeAll
    static void startServers() throws Exception {
        assertTrue(Slapd.available(), "OpenLDAP slapd is not installed: run `apt-get install slapd ldap-utils`");
        assertTrue(TestCa.available(), "the openssl command (OpenSSL 3) is needed to make test certificates");
        Path ldif = work.resolve("sdet.ldif");
        directory = SdetGenerator.writeLdif(new GeneratorOptions(1, 20, 42), ldif);
        TestCa ca = TestCa.create(work.resolve("ca-one"), "ent-sync test CA one");
        TestCa other = TestCa.create(work.resolve("ca-two"), "ent-sync unrelated CA two");
        trusted = ca.trustStore(work.resolve("trusted.p12"), STORE_PASSWORD);
        untrusted = other.trustStore(work.resolve("untrusted.p12"), STORE_PASSWORD);
        good = Slapd.startTls(work.resolve("good"), SUFFIX, ldif, ca.issueLocalhost().tls());
        wrongHost = Slapd.startTls(work.resolve("wrong-host"), SUFFIX, ldif,
                ca.issueServer("wrong.example.invalid", "DNS:wrong.example.invalid").tls());
    }

    @AfterAll
    static void stopServers() {
        if (good != null) good.close();
        if (wrongHost != null) wrongHost.close();
    }

    // ---- helpers

    static SyncConfig.Ldap ldap(String url, Path trustStore, boolean startTls, boolean trustAll) {
        Map<String, String> m = new HashMap<>();
        m.put("entsync.ldap.url", url);
        m.put("entsync.ldap.bindDn", good.bindDn());
        m.put("entsync.ldap.password", Slapd.PASSWORD);
        m.put("entsync.ldap.startTls", Boolean.toString(startTls));
        m.put("entsync.ldap.trustAll", Boolean.toString(trustAll));
        m.put("entsync.ldap.connectTimeoutMs", "5000");
        m.put("entsync.ldap.responseTimeoutMs", "10000");
        if (trustStore != null) {
            m.put("entsync.ldap.trustStore", trustStore.toString());
            m.put("entsync.ldap.trustStorePassword", STORE_PASSWORD);
        }
        return SyncConfig.from(Settings.defaultsWith(m)).ldap();
    }

    static LDAPConnection connect(SyncConfig.Ldap cfg) throws LDAPException {
        return new LdapConnector(cfg, cfg.urls()).connect();
    }

    /** Connects, binds (as the rootdn), reads all people and one by uid, over a TLS-protected connection. */
    static void assertConnectsAndSearches(SyncConfig.Ldap cfg) throws LDAPException {
        try (LDAPConnection c = connect(cfg)) {
            assertNotNull(c.getSSLSession(), "the connection is not TLS-protected");
            assertEquals("cn=admin," + SUFFIX, c.getLastBindRequest() == null ? null
                    : ((com.unboundid.ldap.sdk.SimpleBindRequest) c.getLastBindRequest()).getBindDN());
            SearchResult people = c.search("ou=people," + SUFFIX, SearchScope.ONE, "(objectClass=ENTPerson)", "uid");
            assertEquals(directory.people(), people.getEntryCount());
            String uid = people.getSearchEntries().get(0).getAttributeValue("uid");
            SearchResultEntry one = c.searchForEntry("ou=people," + SUFFIX, SearchScope.ONE,
                    LdapFilters.and("(objectClass=ENTPerson)", LdapFilters.equals("uid", uid)));
            assertNotNull(one);
            assertEquals(uid, one.getAttributeValue("uid"));
        }
    }

    /** The connection fails; returns {@link LdapConnector#explain}, checked to be one line. */
    static String assertRefused(SyncConfig.Ldap cfg) {
        LDAPException e = assertThrows(LDAPException.class, () -> connect(cfg).close());
        String why = LdapConnector.explain(e);
        assertFalse(why.contains("\n") || why.contains("\r"), why);
        assertFalse(why.contains("null"), why);
        return why;
    }

    static void assertNotTrusted(String why) {
        assertTrue(why.startsWith("TLS handshake failed: server certificate not trusted (check entsync.ldap.trustStore)"), why);
    }

    // ---- trusted

    @Test
    void ldapsWithTheCaTrustStoreConnectsBindsAndSearches() throws Exception {
        assertConnectsAndSearches(ldap(good.ldapsUrl(), trusted, false, false));
    }

    @Test
    void startTlsWithTheCaTrustStoreConnectsBindsAndSearches() throws Exception {
        assertConnectsAndSearches(ldap(good.url(), trusted, true, false));
    }

    @Test
    void hostNameFromASubjectAltNameDnsEntryIsAccepted() throws Exception {
        // the url names "localhost" (SAN DNS:localhost) instead of 127.0.0.1 (SAN IP)
        assertConnectsAndSearches(ldap("ldaps://localhost:" + good.ldapsPort(), trusted, false, false));
        assertConnectsAndSearches(ldap("ldap://localhost:" + good.port(), trusted, true, false));
    }

    // ---- not trusted

    @Test
    void ldapsWithAnUnrelatedCaIsRefused() {
        assertNotTrusted(assertRefused(ldap(good.ldapsUrl(), untrusted, false, false)));
    }

    @Test
    void startTlsWithAnUnrelatedCaIsRefused() {
        assertNotTrusted(assertRefused(ldap(good.url(), untrusted, true, false)));
    }

    @Test
    void theJvmDefaultTrustStoreDoesNotTrustTheTestCa() {
        String ldaps = assertRefused(ldap(good.ldapsUrl(), null, false, false));
        assertNotTrusted(ldaps);
        assertTrue(ldaps.contains("JVM's default set of trusted issuers"), ldaps);
        assertNotTrusted(assertRefused(ldap(good.url(), null, true, false)));
    }

    @Test
    void aCertificateForAnotherHostIsRefused() {
        for (SyncConfig.Ldap cfg : new SyncConfig.Ldap[] {
                ldap(wrongHost.ldapsUrl(), trusted, false, false),
                ldap(wrongHost.url(), trusted, true, false),
                ldap("ldaps://localhost:" + wrongHost.ldapsPort(), trusted, false, false)}) {
            String why = assertRefused(cfg);
            assertTrue(why.startsWith("TLS handshake failed: certificate host name mismatch"), why);
            assertTrue(why.contains("wrong.example.invalid"), why);
        }
    }

    @Test
    void ldapsOnAPlainPortSaysSo() {
        String why = assertRefused(ldap("ldaps://127.0.0.1:" + good.port(), trusted, false, false));
        assertTrue(why.startsWith("TLS handshake failed") && why.contains("TLS port"), why);
    }

    // ---- trustAll

    @Test
    void trustAllConnectsToAnUntrustedServerAndOnlyThen() throws Exception {
        assertNotTrusted(assertRefused(ldap(good.ldapsUrl(), untrusted, false, false)));
        assertConnectsAndSearches(ldap(good.ldapsUrl(), untrusted, false, true));
        assertConnectsAndSearches(ldap(good.url(), untrusted, true, true));
        assertConnectsAndSearches(ldap(good.ldapsUrl(), null, false, true));
        // trustAll skips the host name check too
        assertConnectsAndSearches(ldap(wrongHost.ldapsUrl(), null, false, true));
    }

    // ---- configuration

    @Test
    void startTlsOnAnLdapsUrlIsAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ldap(good.ldapsUrl(), trusted, true, false));
        assertTrue(e.getMessage().startsWith("setting entsync.ldap.startTls:"), e.getMessage());
    }

    @Test
    void aMissingTrustStoreIsAConfigurationError() {
        Path missing = work.resolve("no-such-store.p12");
        ConfigException e = assertThrows(ConfigException.class, () -> ldap(good.ldapsUrl(), missing, false, false));
        assertTrue(e.getMessage().startsWith("setting entsync.ldap.trustStore:"), e.getMessage());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aWrongTrustStorePasswordIsAConfigurationError() {
        Map<String, String> m = new HashMap<>(Map.of("entsync.ldap.url", good.ldapsUrl(),
                "entsync.ldap.trustStore", trusted.toString(), "entsync.ldap.trustStorePassword", "not-the-password"));
        SyncConfig.Ldap cfg = SyncConfig.from(Settings.defaultsWith(m)).ldap();
        ConfigException e = assertThrows(ConfigException.class, () -> new LdapConnector(cfg, cfg.urls()));
        assertTrue(e.getMessage().startsWith("setting entsync.ldap.trustStorePassword:"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
    }

    @Test
    void aTrustStoreWithoutCertificatesIsAConfigurationError() throws Exception {
        Path empty = work.resolve("empty.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var out = Files.newOutputStream(empty)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
        }
        SyncConfig.Ldap cfg = ldap(good.ldapsUrl(), empty, false, false);
        ConfigException e = assertThrows(ConfigException.class, () -> new LdapConnector(cfg, cfg.urls()));
        assertTrue(e.getMessage().startsWith("setting entsync.ldap.trustStore:") && e.getMessage().contains("no trusted certificate"),
                e.getMessage());
    }
}
