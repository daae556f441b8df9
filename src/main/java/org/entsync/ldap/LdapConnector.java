package org.entsync.ldap;

import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import com.unboundid.util.ssl.TrustStoreTrustManager;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Opens bound connections to the directory: several urls are tried in order, ldaps:// and StartTLS check the
 * server certificate (trust store or the JDK's) and its host name unless trustAll is set explicitly.
 *
 * <p>The host name check is {@link StrictHostNameVerifier} (also for 127.0.0.1, which UnboundID's own verifier
 * lets through whatever the certificate). {@link #explain} turns a failure into one line an administrator can
 * act on (untrusted certificate, host name mismatch, not a TLS port, wrong password...).
 */
public final class LdapConnector {
    private static final Logger LOG = LoggerFactory.getLogger(LdapConnector.class);
    private final SyncConfig.Ldap cfg;
    private final List<String> urls;
    private final ServerSet servers;
    private final SSLSocketFactory socketFactory;

    /** @throws ConfigException when the trust store cannot be opened (wrong password, not a key store, no certificate) */
    public LdapConnector(SyncConfig.Ldap cfg, List<String> urls) {
        this.cfg = cfg;
        this.urls = urls;
        this.socketFactory = needsTls(urls, cfg.startTls()) ? socketFactory(cfg) : null;
        this.servers = serverSet(urls);
    }

    private static boolean needsTls(List<String> urls, boolean startTls) {
        return startTls || urls.stream().anyMatch(u -> u.toLowerCase().startsWith("ldaps:"));
    }

    /**
     * Options of a connection that reads many entries, used by one thread at a time (the benchmark's read floor
     * uses them too): no reader thread handing every entry over (~20 % faster reads), and a fixed 4 MiB receive
     * window: with the kernel's autotuned one, the window closed while the reading thread was busy and slapd
     * stalled ~210 ms (TCP persist timer) several times per 100 000 entries.
     */
    public static LDAPConnectionOptions bulkReadOptions() {
        LDAPConnectionOptions opts = new LDAPConnectionOptions();
        opts.setUseSynchronousMode(true);
        opts.setReceiveBufferSize(4 << 20);
        return opts;
    }

    private ServerSet serverSet(List<String> urls) {
        LDAPConnectionOptions opts = bulkReadOptions();
        opts.setConnectTimeoutMillis(cfg.connectTimeoutMs());
        opts.setResponseTimeoutMillis(cfg.responseTimeoutMs());
        opts.setUseKeepAlive(true);
        if (socketFactory != null && !cfg.trustAll()) opts.setSSLSocketVerifier(new StrictHostNameVerifier());
        List<ServerSet> sets = new ArrayList<>();
        for (String u : urls) {
            try {
                LDAPURL url = new LDAPURL(u);
                boolean ldaps = url.getScheme().equalsIgnoreCase("ldaps");
                sets.add(new SingleServerSet(url.getHost(), url.getPort(), ldaps ? socketFactory : null, opts));
            } catch (LDAPException e) {
                throw new ConfigException("setting entsync.ldap.url: invalid url '" + u + "'");
            }
        }
        return sets.size() == 1 ? sets.get(0) : new FailoverServerSet(sets.toArray(new ServerSet[0]));
    }

    private static SSLSocketFactory socketFactory(SyncConfig.Ldap cfg) {
        TrustManager tm;
        if (cfg.trustAll()) {
            LOG.warn("entsync.ldap.trustAll=true: the directory's certificate and host name are NOT checked");
            tm = new TrustAllTrustManager();
        } else if (cfg.trustStore() != null) {
            char[] pw = cfg.trustStorePassword().isEmpty() ? null : cfg.trustStorePassword().reveal().toCharArray();
            String type = cfg.trustStore().toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
            checkTrustStore(cfg, type, pw);
            tm = new TrustStoreTrustManager(cfg.trustStore().toFile(), pw, type, true);
        } else {
            tm = JVMDefaultTrustManager.getInstance();
        }
        try {
            // SSLUtil's factory enables TLSv1.3/TLSv1.2 only, for ldaps:// and StartTLS alike
            return new SSLUtil(tm).createSSLSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new ConfigException("setting entsync.ldap.trustStore: cannot build a TLS context (" + e.getMessage() + ")");
        }
    }

    /** Opens the trust store now, so that a wrong password or an empty store stops the run before any connection. */
    private static void checkTrustStore(SyncConfig.Ldap cfg, String type, char[] pw) {
        KeyStore ks;
        try (InputStream in = Files.newInputStream(cfg.trustStore())) {
            ks = KeyStore.getInstance(type);
            ks.load(in, pw);
        } catch (IOException e) {
            boolean badPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password");
            throw badPassword
                    ? new ConfigException("setting entsync.ldap.trustStorePassword: cannot open trust store " + cfg.trustStore() + " (wrong password?)")
                    : new ConfigException("setting entsync.ldap.trustStore: cannot read " + cfg.trustStore() + " as a " + type + " trust store (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new ConfigException("setting entsync.ldap.trustStore: cannot read " + cfg.trustStore() + " as a " + type + " trust store (" + e.getMessage() + ")");
        }
        try {
            boolean anyCert = false;
            for (String alias : Collections.list(ks.aliases())) anyCert |= ks.isCertificateEntry(alias);
            if (!anyCert) {
                throw new ConfigException("setting entsync.ldap.trustStore: " + cfg.trustStore()
                        + " holds no trusted certificate entry (import the directory's CA with keytool -importcert)");
            }
        } catch (KeyStoreException e) {
            throw new ConfigException("setting entsync.ldap.trustStore: cannot read " + cfg.trustStore() + " (" + e.getMessage() + ")");
        }
    }

    /** A connected, (StartTLS-protected,) bound connection. The caller closes it. */
    public LDAPConnection connect() throws LDAPException {
        LDAPConnection c = servers.getConnection();
        try {
            if (cfg.startTls()) {
                ExtendedResult r = c.processExtendedOperation(new StartTLSExtendedRequest(socketFactory));
                if (r.getResultCode() != ResultCode.SUCCESS) {
                    throw new LDAPException(r.getResultCode(), "StartTLS refused by the server: " + r.getDiagnosticMessage());
                }
            }
            if (!cfg.bindDn().isEmpty()) c.bind(cfg.bindDn(), cfg.password().reveal());
            return c;
        } catch (LDAPException e) {
            c.close();
            throw e;
        }
    }

    /** The urls, for messages (they never hold a secret). */
    public String describe() {
        return String.join(" ", urls);
    }

    /**
     * Why a connection failed, in one line an administrator can act on: TLS problems first ("TLS handshake failed:
     * server certificate not trusted (check entsync.ldap.trustStore): ...", "... certificate host name mismatch: ..."),
     * then bad credentials, unreachable servers, and otherwise the result code and message.
     */
    public static String explain(LDAPException e) {
        String tls = tlsProblem(e);
        String m = tls != null ? tls
                : e.getResultCode() == ResultCode.INVALID_CREDENTIALS ? "invalid bind DN or password (entsync.ldap.bindDn / entsync.ldap.password)"
                : e.getResultCode() == ResultCode.CONNECT_ERROR || e.getResultCode() == ResultCode.SERVER_DOWN ? "cannot reach the server: " + message(e)
                : e.getResultCode() + ": " + message(e);
        return oneLine(m);
    }

    /** Whether a failed read may succeed if tried again: a lost connection or a timeout, never a TLS failure. */
    public static boolean isRetryable(LDAPException e) {
        return (!e.getResultCode().isConnectionUsable() || e.getResultCode() == ResultCode.TIMEOUT) && !isTlsFailure(e);
    }

    /**
     * Whether the failure is a failed TLS handshake or a refused certificate / host name: retrying cannot help. A bare
     * {@link SSLException} (e.g. a connection reset on an established TLS connection) is not one of these.
     */
    public static boolean isTlsFailure(LDAPException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StrictHostNameVerifier.HostNameMismatchException || t instanceof SSLHandshakeException
                    || t instanceof CertificateException || t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || t.getClass().getName().endsWith("ValidatorException")) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String tlsProblem(LDAPException e) {
        Throwable innermost = e;
        boolean handshake = false;
        boolean certificate = false;
        boolean expired = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StrictHostNameVerifier.HostNameMismatchException) {
                return "TLS handshake failed: " + t.getMessage() + " (the url must use a name or address listed in the certificate)";
            }
            handshake |= t instanceof SSLHandshakeException;
            certificate |= t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException || t.getClass().getName().endsWith("ValidatorException");
            expired |= t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException
                    || t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED;
            handshake |= t instanceof SSLException;
            innermost = t;
            if (t.getCause() == t) break;
        }
        String detail = innermost == e ? message(e) : innermost.getMessage();
        if (certificate && expired) {
            return "TLS handshake failed: server certificate expired or not yet valid (" + detail + ")";
        }
        if (certificate || (handshake && detail != null && detail.contains("PKIX"))) {
            return "TLS handshake failed: server certificate not trusted (check entsync.ldap.trustStore): " + detail;
        }
        if (handshake) {
            return "TLS handshake failed: " + detail + " (is the port a TLS port? ldaps:// needs one, ldap:// with entsync.ldap.startTls a plain one)";
        }
        return null;
    }

    private static String message(LDAPException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getDiagnosticMessage();
        return m == null || m.isBlank() ? e.getExceptionMessage() : m;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
