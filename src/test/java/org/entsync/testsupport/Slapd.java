package org.entsync.testsupport;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import org.entsync.bench.BenchDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A throwaway OpenLDAP slapd (Debian package, 2.5) with the real SDET schema, for tests: the tests' face of
 * {@link BenchDirectory} (main code, shared with {@code ent-sync bench}), which holds the one implementation —
 * slapd.conf, slapadd, launch, stop. See there for the configuration it writes.
 *
 * <p>{@link #startTls} does the same with TLS from a {@link TlsMaterial} (see {@link TestCa}): slapd listens on
 * {@code ldap://127.0.0.1:<port>/} (plain, StartTLS capable) and {@code ldaps://127.0.0.1:<ldapsPort>/}.
 */
public final class Slapd implements AutoCloseable {

    public static final Path SLAPD = BenchDirectory.SLAPD;
    public static final Path SLAPADD = BenchDirectory.SLAPADD;
    public static final Path BASE_SCHEMA_DIR = BenchDirectory.BASE_SCHEMA_DIR;
    public static final String PASSWORD = BenchDirectory.PASSWORD;
    public static final int DEFAULT_SIZE_LIMIT = BenchDirectory.DEFAULT_SIZE_LIMIT;
    public static final List<String> SDET_FILES = BenchDirectory.SDET_FILES;

    private final BenchDirectory d;
    private final TlsMaterial tls;
    private org.entsync.generator.GeneratedDirectory generated;

    private Slapd(BenchDirectory d, TlsMaterial tls) {
        this.d = d;
        this.tls = tls;
    }

    /**
     * A slapd loaded with a directory the project's generator writes (LDIF under {@code workDir}), the set-up of
     * most tests: fails (does not skip) when slapd is missing.
     */
    public static Slapd startGenerated(Path workDir, org.entsync.generator.GeneratorOptions options, List<String> extraDatabaseLines) throws IOException {
        requireAvailable();
        Path ldif = workDir.resolve("directory.ldif");
        org.entsync.generator.GeneratedDirectory generated = org.entsync.generator.SdetGenerator.writeLdif(options, ldif);
        Slapd slapd = start(workDir.resolve("slapd"), options.suffix(), ldif, DEFAULT_SIZE_LIMIT, null, extraDatabaseLines);
        slapd.generated = generated;
        return slapd;
    }

    /** As {@link #startGenerated(Path, org.entsync.generator.GeneratorOptions, List)} with slapd's default configuration. */
    public static Slapd startGenerated(Path workDir, org.entsync.generator.GeneratorOptions options) throws IOException {
        return startGenerated(workDir, options, List.of());
    }

    /** What the generator wrote, for a slapd from {@link #startGenerated}; null otherwise. */
    public org.entsync.generator.GeneratedDirectory generated() {
        return generated;
    }

    public static boolean available() {
        return BenchDirectory.available();
    }

    /** Fails (does not skip) when slapd is missing. */
    public static void requireAvailable() {
        BenchDirectory.requireAvailable();
    }

    public static Slapd start(Path workDir, String suffix, Path ldif) throws IOException {
        return start(workDir, suffix, ldif, DEFAULT_SIZE_LIMIT);
    }

    /** As {@link #start(Path, String, Path)} with another {@code sizelimit}. */
    public static Slapd start(Path workDir, String suffix, Path ldif, int sizeLimit) throws IOException {
        return start(workDir, suffix, ldif, sizeLimit, null);
    }

    /**
     * As {@link #start(Path, String, Path)}, with TLS: StartTLS on {@link #url()} and ldaps on {@link #ldapsUrl()},
     * presenting {@code tls.certFile()}. slapd does not ask for client certificates.
     */
    public static Slapd startTls(Path workDir, String suffix, Path ldif, TlsMaterial tls) throws IOException {
        if (tls == null) throw new IllegalArgumentException("tls is required");
        return start(workDir, suffix, ldif, DEFAULT_SIZE_LIMIT, tls);
    }

    /**
     * As {@link #start(Path, String, Path)}, with extra lines in the database section (before the catch-all
     * {@code limits *}), e.g. a size limit for a non-root bind DN: the rootdn bypasses every limit.
     */
    public static Slapd start(Path workDir, String suffix, Path ldif, List<String> extraDatabaseLines) throws IOException {
        return start(workDir, suffix, ldif, DEFAULT_SIZE_LIMIT, null, extraDatabaseLines);
    }

    private static Slapd start(Path workDir, String suffix, Path ldif, int sizeLimit, TlsMaterial tls) throws IOException {
        return start(workDir, suffix, ldif, sizeLimit, tls, List.of());
    }

    private static Slapd start(Path workDir, String suffix, Path ldif, int sizeLimit, TlsMaterial tls, List<String> extra) throws IOException {
        BenchDirectory.Tls t = tls == null ? null : new BenchDirectory.Tls(tls.certFile(), tls.keyFile(), tls.caFile());
        try {
            return new Slapd(BenchDirectory.start(workDir, suffix, ldif, sizeLimit, t, extra), tls);
        } catch (BenchDirectory.SlapaddException e) {
            throw new SlapaddException(e.exitCode(), e.output());
        }
    }

    /** slapadd refused the LDIF (e.g. a schema violation); the message has slapadd's output. */
    public static final class SlapaddException extends BenchDirectory.SlapaddException {
        SlapaddException(int exitCode, String output) {
            super(exitCode, output);
        }
    }

    public String url() {
        return d.url();
    }

    public int port() {
        return d.port();
    }

    /** {@code ldaps://127.0.0.1:<port>}; only for a server started with {@link #startTls}. */
    public String ldapsUrl() {
        if (tls == null) throw new IllegalStateException("slapd was started without TLS (use Slapd.startTls)");
        return d.ldapsUrl();
    }

    /** The ldaps port, -1 without TLS. */
    public int ldapsPort() {
        return d.ldapsPort();
    }

    /** The TLS files slapd uses, null without TLS. */
    public TlsMaterial tls() {
        return tls;
    }

    public String suffix() {
        return d.suffix();
    }

    public String bindDn() {
        return d.bindDn();
    }

    public String password() {
        return d.password();
    }

    public Path workDir() {
        return d.workDir();
    }

    public long pid() {
        return d.pid();
    }

    public boolean running() {
        return d.running();
    }

    /** A connection bound as the rootdn. */
    public LDAPConnection connect() throws LDAPException {
        return d.connect();
    }

    /** Graceful stop (SIGTERM), waiting for slapd to exit. */
    public void stop() {
        d.stop();
    }

    /** Abrupt stop (SIGKILL), for fault-injection tests. */
    public void kill() {
        d.kill();
    }

    /** Stops slapd if it runs, then starts it again on the same port with the same database. */
    public void restart() {
        d.restart();
    }

    @Override
    public void close() {
        d.close();
    }
}
