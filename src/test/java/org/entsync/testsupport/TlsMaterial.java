package org.entsync.testsupport;

import java.nio.file.Path;

/**
 * What slapd needs to speak TLS: its certificate ({@code TLSCertificateFile}), its unencrypted private key
 * ({@code TLSCertificateKeyFile}) and the CA certificate ({@code TLSCACertificateFile}), all PEM files.
 */
public record TlsMaterial(Path certFile, Path keyFile, Path caFile) {
}
