package org.entsync.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for TLS tests, made at test time with the {@code openssl} command line
 * (OpenSSL 3): EC P-256 keys, certificates valid for two days, nothing cached between runs.
 *
 * <pre>{@code
 * TestCa ca = TestCa.create(dir.resolve("ca"), "entsync test CA");
 * TestCa.ServerCert server = ca.issueLocalhost();          // SAN IP:127.0.0.1, DNS:localhost
 * Path trust = ca.trustStore(dir.resolve("trust.p12"), "changeit");  // PKCS12 holding only the CA
 * Slapd.startTls(work, suffix, ldif, server.tls());
 * }</pre>
 *
 * <p>Keys are written unencrypted (PKCS#8 PEM) and readable by their owner, which is what slapd (running as
 * the same user as the tests) needs for {@code TLSCertificateKeyFile}.
 */
public final class TestCa {

    public static final String OPENSSL = "openssl";

    private final Path dir;
    private final String name;
    private final Path cert;
    private final Path key;

    private TestCa(Path dir, String name, Path cert, Path key) {
        this.dir = dir;
        this.name = name;
        this.cert = cert;
        this.key = key;
    }

    /** A server certificate and its key, signed by {@link #issuer()}. */
    public record ServerCert(Path cert, Path key, TestCa issuer) {
        /** The files slapd needs, with the issuer as {@code TLSCACertificateFile}. */
        public TlsMaterial tls() {
            return new TlsMaterial(cert, key, issuer.cert());
        }
    }

    /** Whether the openssl command line is installed. */
    public static boolean available() {
        try {
            return run(Path.of(System.getProperty("java.io.tmpdir")), List.of(OPENSSL, "version")).startsWith("OpenSSL 3");
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates a new CA (self-signed, basicConstraints CA:TRUE) in {@code dir}: {@code ca.crt}, {@code ca.key}. */
    public static TestCa create(Path dir, String commonName) throws IOException {
        dir = dir.toAbsolutePath();
        Files.createDirectories(dir);
        Path cnf = dir.resolve("ca.cnf");
        Files.writeString(cnf, """
                [req]
                distinguished_name = dn
                prompt = no
                x509_extensions = v3_ca
                [dn]
                O = ent-sync tests
                CN = %s
                [v3_ca]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                """.formatted(commonName), StandardCharsets.UTF_8);
        Path cert = dir.resolve("ca.crt");
        Path key = dir.resolve("ca.key");
        run(dir, List.of(OPENSSL, "req", "-x509", "-config", cnf.toString(), "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-sha256", "-set_serial", serial()));
        ownerReadable(key);
        return new TestCa(dir, commonName, cert, key);
    }

    /** A server certificate for {@code 127.0.0.1} and {@code localhost} (subjectAltName IP + DNS). */
    public ServerCert issueLocalhost() throws IOException {
        return issueServer("localhost", "IP:127.0.0.1", "DNS:localhost");
    }

    /**
     * A server certificate with CN {@code commonName} and the given subjectAltName entries in OpenSSL syntax
     * ({@code IP:127.0.0.1}, {@code DNS:ldap.example.invalid}); serverAuth, not a CA.
     */
    public ServerCert issueServer(String commonName, String... subjectAltNames) throws IOException {
        String base = commonName.replaceAll("[^A-Za-z0-9.-]", "_");
        Path cnf = dir.resolve(base + ".req.cnf");
        Files.writeString(cnf, """
                [req]
                distinguished_name = dn
                prompt = no
                [dn]
                O = ent-sync tests
                CN = %s
                """.formatted(commonName), StandardCharsets.UTF_8);
        Path ext = dir.resolve(base + ".ext.cnf");
        Files.writeString(ext, """
                [v3]
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                extendedKeyUsage = serverAuth
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid
                subjectAltName = %s
                """.formatted(String.join(", ", subjectAltNames)), StandardCharsets.UTF_8);
        Path key = dir.resolve(base + ".key");
        Path csr = dir.resolve(base + ".csr");
        Path crt = dir.resolve(base + ".crt");
        run(dir, List.of(OPENSSL, "req", "-new", "-config", cnf.toString(), "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", csr.toString()));
        run(dir, List.of(OPENSSL, "x509", "-req", "-in", csr.toString(), "-CA", cert.toString(), "-CAkey", this.key.toString(),
                "-set_serial", serial(), "-days", "2", "-sha256", "-extfile", ext.toString(), "-extensions", "v3",
                "-out", crt.toString()));
        ownerReadable(key);
        return new ServerCert(crt, key, this);
    }

    /** A PKCS12 trust store at {@code file} holding only this CA's certificate (a trusted-certificate entry). */
    public Path trustStore(Path file, String password) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("entsync-test-ca", certificate());
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                ks.store(out, password.toCharArray());
            }
            return file;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write trust store " + file + ": " + e, e);
        }
    }

    public X509Certificate certificate() throws IOException {
        try (InputStream in = Files.newInputStream(cert)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + cert + ": " + e, e);
        }
    }

    /** The CA certificate, PEM. */
    public Path cert() {
        return cert;
    }

    /** The CA key, PEM (unencrypted). */
    public Path key() {
        return key;
    }

    public String name() {
        return name;
    }

    private static String serial() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
    }

    private static void ownerReadable(Path key) throws IOException {
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: leave the default
        }
    }

    private static String run(Path dir, List<String> cmd) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + cmd.get(0) + " (install openssl): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + out);
        return out;
    }
}
