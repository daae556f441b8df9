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
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import com.unboundid.util.ssl.TrustStoreTrustManager;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens bound connections to the directory: several urls are tried in order, ldaps:// and StartTLS check the
 * server certificate (trust store or the JDK's) and its host name unless trustAll is set explicitly.
 */
public final class LdapConnector {
    private static final Logger LOG = LoggerFactory.getLogger(LdapConnector.class);
    private final SyncConfig.Ldap cfg;
    private final List<String> urls;
    private final ServerSet servers;
    private final SSLContext sslContext;

    public LdapConnector(SyncConfig.Ldap cfg, List<String> urls) {
        this.cfg = cfg;
        this.urls = urls;
        this.sslContext = needsTls(urls, cfg.startTls()) ? sslContext(cfg) : null;
        this.servers = serverSet(urls);
    }

    private static boolean needsTls(List<String> urls, boolean startTls) {
        return startTls || urls.stream().anyMatch(u -> u.toLowerCase().startsWith("ldaps:"));
    }

    private ServerSet serverSet(List<String> urls) {
        LDAPConnectionOptions opts = new LDAPConnectionOptions();
        opts.setConnectTimeoutMillis(cfg.connectTimeoutMs());
        opts.setResponseTimeoutMillis(cfg.responseTimeoutMs());
        opts.setUseKeepAlive(true);
        if (sslContext != null && !cfg.trustAll()) opts.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        List<ServerSet> sets = new ArrayList<>();
        for (String u : urls) {
            try {
                LDAPURL url = new LDAPURL(u);
                boolean ldaps = url.getScheme().equalsIgnoreCase("ldaps");
                sets.add(new SingleServerSet(url.getHost(), url.getPort(), ldaps ? sslContext.getSocketFactory() : null, opts));
            } catch (LDAPException e) {
                throw new ConfigException("setting entsync.ldap.url: invalid url '" + u + "'");
            }
        }
        return sets.size() == 1 ? sets.get(0) : new FailoverServerSet(sets.toArray(new ServerSet[0]));
    }

    private static SSLContext sslContext(SyncConfig.Ldap cfg) {
        TrustManager tm;
        if (cfg.trustAll()) {
            LOG.warn("entsync.ldap.trustAll=true: the directory's certificate is NOT checked");
            tm = new TrustAllTrustManager();
        } else if (cfg.trustStore() != null) {
            char[] pw = cfg.trustStorePassword().isEmpty() ? null : cfg.trustStorePassword().reveal().toCharArray();
            String type = cfg.trustStore().toString().toLowerCase().endsWith(".jks") ? "JKS" : "PKCS12";
            tm = new TrustStoreTrustManager(cfg.trustStore().toFile(), pw, type, true);
        } else {
            tm = JVMDefaultTrustManager.getInstance();
        }
        try {
            return new SSLUtil(tm).createSSLContext();
        } catch (GeneralSecurityException e) {
            throw new ConfigException("setting entsync.ldap.trustStore: cannot build a TLS context (" + e.getMessage() + ")");
        }
    }

    /** A connected, (StartTLS-protected,) bound connection. The caller closes it. */
    public LDAPConnection connect() throws LDAPException {
        LDAPConnection c = servers.getConnection();
        try {
            if (cfg.startTls()) {
                ExtendedResult r = c.processExtendedOperation(new StartTLSExtendedRequest(sslContext));
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

    /** Why a connection failed, in words an administrator can act on. */
    public static String explain(LDAPException e) {
        String m = e.getResultCode() == ResultCode.INVALID_CREDENTIALS ? "invalid bind DN or password (entsync.ldap.bindDn / entsync.ldap.password)"
                : e.getResultCode() == ResultCode.CONNECT_ERROR || e.getResultCode() == ResultCode.SERVER_DOWN ? "cannot reach the server: " + e.getDiagnosticMessage()
                : e.getResultCode() + ": " + e.getDiagnosticMessage();
        return m == null ? e.getExceptionMessage() : m;
    }
}
