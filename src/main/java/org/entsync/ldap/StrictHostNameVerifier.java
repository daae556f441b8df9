package org.entsync.ldap;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.SSLSocketVerifier;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks that the server certificate names the host of the url (RFC 6125): an IP literal must be a
 * subjectAltName iPAddress, a host name a subjectAltName dNSName (a wildcard only as the whole left-most
 * label); the subject CN is used only when the certificate has no DNS/IP subjectAltName at all.
 *
 * <p>Unlike UnboundID's {@code HostNameSSLSocketVerifier}, loopback addresses are not exempt: that verifier
 * accepts any certificate for {@code 127.0.0.1}, so a wrong certificate would go unnoticed there.
 * Used for ldaps:// and after StartTLS (UnboundID calls it in both cases).
 */
final class StrictHostNameVerifier extends SSLSocketVerifier {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** In the cause chain of the LDAPException when the name does not match; {@link LdapConnector#explain} looks for it. */
    static final class HostNameMismatchException extends CertificateException {
        HostNameMismatchException(String message) {
            super(message);
        }
    }

    @Override
    public void verifySSLSocket(String host, int port, SSLSocket socket) throws LDAPException {
        X509Certificate cert;
        try {
            Certificate[] chain = socket.getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
                throw new LDAPException(ResultCode.CONNECT_ERROR, "server " + host + ":" + port + " sent no X.509 certificate");
            }
            cert = x;
        } catch (SSLPeerUnverifiedException e) {
            throw new LDAPException(ResultCode.CONNECT_ERROR, "server " + host + ":" + port + " sent no certificate", e);
        }
        List<String> names = new ArrayList<>();
        if (!matches(host, cert, names)) {
            String msg = "certificate host name mismatch: the certificate of " + host + ":" + port + " ("
                    + cert.getSubjectX500Principal().getName() + ") is for " + (names.isEmpty() ? "no name" : String.join(", ", names))
                    + ", not " + host;
            throw new LDAPException(ResultCode.CONNECT_ERROR, msg, new HostNameMismatchException(msg));
        }
    }

    static boolean matches(String host, X509Certificate cert, List<String> namesSeen) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        InetAddress ip = ipLiteral(h);
        boolean anySan = false;
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            sans = null;
        }
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                if (type != 2 && type != 7) continue;
                anySan = true;
                String v = String.valueOf(san.get(1));
                namesSeen.add(type == 7 ? "IP " + v : v);
                if (ip != null && type == 7 && ip.equals(ipLiteral(v.toLowerCase(Locale.ROOT)))) return true;
                if (ip == null && type == 2 && dnsMatches(h, v)) return true;
            }
        }
        if (anySan) return false;
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    String cn = String.valueOf(rdn.getValue());
                    namesSeen.add("CN " + cn);
                    if (ip != null ? ip.equals(ipLiteral(cn)) : dnsMatches(h, cn)) return true;
                }
            }
        } catch (InvalidNameException e) {
            return false;
        }
        return false;
    }

    private static boolean dnsMatches(String host, String pattern) {
        String p = pattern.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) p = p.substring(0, p.length() - 1);
        if (!p.startsWith("*.")) return p.equals(host);
        String rest = p.substring(1); // ".example.org"
        if (rest.indexOf('.', 1) < 0) return false; // no "*.org"
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot).equals(rest);
    }

    /** The address when {@code s} is an IPv4 or IPv6 literal (never a DNS lookup), else null. */
    private static InetAddress ipLiteral(String s) {
        if (!IPV4.matcher(s).matches() && !(s.contains(":") && s.matches("[0-9a-f:.%]+"))) return null;
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
