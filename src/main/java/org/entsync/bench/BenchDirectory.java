package org.entsync.bench;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway OpenLDAP slapd (Debian package, 2.5) with the real SDET schema: the benchmark's directory, and the
 * implementation behind the tests' {@code testsupport.Slapd} harness.
 *
 * <p>{@link #start} writes {@code <workDir>/slapd.conf} (core, cosine, inetorgperson from {@code /etc/ldap/schema},
 * then the project's {@code schema/sdet} files in dependency order), an mdb database in {@code <workDir>/db}
 * (maxsize 1 GiB, system property {@code entsync.slapd.maxsize} to change), rootdn {@code cn=admin,<suffix>} /
 * {@value #PASSWORD}, {@code sizelimit} (500 by default) with {@code limits * size.prtotal=unlimited} so that paged
 * searches read everything, and indexes on objectClass, uid, ENTStructureUAI, ENTStructureSIREN, member. It loads
 * the LDIF offline with {@code slapadd -q} (schema checking stays on), then runs
 * {@code slapd -d 0 -h ldap://127.0.0.1:<port>/ -f slapd.conf} as a child process (no daemonising) and waits until
 * it accepts LDAP connections. With {@link Tls} files it also listens on {@code ldaps://127.0.0.1:<ldapsPort>/}
 * (the plain port is StartTLS capable).
 *
 * <p>The SDET schema files are read from {@code schema/sdet} (system property {@code entsync.sdet.schema.dir}), or
 * copied out of the jar ({@code sdet-schema/}) when the program does not run from the project folder. slapd 2.5
 * accepts them as they are (including the stray {@code )} after {@code ENTPersonProfils}); they are never edited.
 */
public final class BenchDirectory implements AutoCloseable {

    public static final Path SLAPD = Path.of("/usr/sbin/slapd");
    public static final Path SLAPADD = Path.of("/usr/sbin/slapadd");
    public static final Path BASE_SCHEMA_DIR = Path.of("/etc/ldap/schema");
    public static final String PASSWORD = "secret";
    public static final int DEFAULT_SIZE_LIMIT = 500;
    /** SDET files in the order slapd must read them (macros first). */
    public static final List<String> SDET_FILES = List.of(
            "11-esco-const.schema", "13-esco-personne.schema", "16-esco-addons.schema", "17-esco-structure.schema",
            "21-esco-groupe.schema", "31-esco-mail.schema", "51-esco-application.schema", "05-ldappc.schema");

    /** PEM files slapd needs to speak TLS: certificate, unencrypted private key, CA certificate. */
    public record Tls(Path certFile, Path keyFile, Path caFile) {
    }

    private final Path workDir;
    private final Path conf;
    private final Path log;
    private final String suffix;
    private final int port;
    private final int ldapsPort;
    private final Tls tls;
    private Process process;

    private BenchDirectory(Path workDir, Path conf, String suffix, int port, int ldapsPort, Tls tls) {
        this.workDir = workDir;
        this.conf = conf;
        this.log = workDir.resolve("slapd.log");
        this.suffix = suffix;
        this.port = port;
        this.ldapsPort = ldapsPort;
        this.tls = tls;
    }

    /** Whether the slapd and slapadd binaries are installed. */
    public static boolean available() {
        return Files.isExecutable(SLAPD) && Files.isExecutable(SLAPADD);
    }

    public static void requireAvailable() {
        if (!available()) {
            throw new IllegalStateException("OpenLDAP slapd is not installed (" + SLAPD + ", " + SLAPADD
                    + "): run `apt-get install slapd ldap-utils`");
        }
    }

    /** Starts a slapd on a free port loaded with {@code ldif} (null: empty database); {@code tls} may be null. */
    public static BenchDirectory start(Path workDir, String suffix, Path ldif, int sizeLimit, Tls tls) throws IOException {
        return start(workDir, suffix, ldif, sizeLimit, tls, List.of());
    }

    /**
     * As above, with extra lines in the database section, placed before the catch-all {@code limits *} line so that
     * e.g. {@code limits dn.exact="cn=limited,<suffix>" size.prtotal=50} applies to that (non-root) bind DN.
     */
    public static BenchDirectory start(Path workDir, String suffix, Path ldif, int sizeLimit, Tls tls, List<String> extraDatabaseLines) throws IOException {
        requireAvailable();
        if (tls != null) {
            for (Path p : List.of(tls.certFile(), tls.keyFile(), tls.caFile())) {
                if (!Files.isReadable(p)) throw new IOException("TLS file " + p + " missing or not readable");
            }
        }
        workDir = workDir.toAbsolutePath();
        Path db = workDir.resolve("db");
        Files.createDirectories(db);
        int port = freePort();
        int ldapsPort = tls == null ? -1 : freePort(port);
        Path conf = workDir.resolve("slapd.conf");
        String config = config(workDir, db, suffix, sizeLimit, tls);
        if (!extraDatabaseLines.isEmpty()) {
            config = config.replace("limits * size.prtotal=unlimited\n", String.join("\n", extraDatabaseLines) + "\nlimits * size.prtotal=unlimited\n");
        }
        Files.writeString(conf, config, StandardCharsets.UTF_8);
        if (ldif != null) slapadd(workDir, conf, ldif);
        BenchDirectory s = new BenchDirectory(workDir, conf, suffix, port, ldapsPort, tls);
        s.launch();
        return s;
    }

    private static void slapadd(Path workDir, Path conf, Path ldif) throws IOException {
        List<String> cmd = List.of(SLAPADD.toString(), "-q", "-f", conf.toString(), "-l", ldif.toAbsolutePath().toString());
        Path out = workDir.resolve("slapadd.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int rc;
        try {
            if (!p.waitFor(60, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("slapadd timed out");
            }
            rc = p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(e);
        }
        if (rc != 0) throw new SlapaddException(rc, Files.readString(out));
    }

    /** slapadd refused the LDIF (e.g. a schema violation); the message has slapadd's output. */
    public static class SlapaddException extends IOException {
        private final int exitCode;
        private final String output;

        public SlapaddException(int exitCode, String output) {
            super("slapadd failed with exit code " + exitCode + ":\n" + output);
            this.exitCode = exitCode;
            this.output = output;
        }

        public int exitCode() {
            return exitCode;
        }

        public String output() {
            return output;
        }
    }

    /** The SDET schema folder: {@code entsync.sdet.schema.dir}, else {@code schema/sdet}, else a copy from the jar. */
    static Path sdetSchemaDir(Path workDir) {
        Path dir = Path.of(System.getProperty("entsync.sdet.schema.dir", "schema/sdet")).toAbsolutePath();
        if (Files.isRegularFile(dir.resolve(SDET_FILES.get(0)))) return dir;
        Path copy = workDir.resolve("sdet-schema");
        try {
            Files.createDirectories(copy);
            for (String f : SDET_FILES) {
                try (InputStream in = BenchDirectory.class.getClassLoader().getResourceAsStream("sdet-schema/" + f)) {
                    if (in == null) throw new IllegalStateException("missing SDET schema file " + dir.resolve(f) + " (and not in the jar)");
                    Files.copy(in, copy.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    static String config(Path workDir, Path db, String suffix, int sizeLimit, Tls tls) {
        StringBuilder b = new StringBuilder();
        b.append("# generated by org.entsync.bench.BenchDirectory — throwaway server\n");
        for (String f : List.of("core.schema", "cosine.schema", "inetorgperson.schema")) {
            b.append("include ").append(BASE_SCHEMA_DIR.resolve(f)).append('\n');
        }
        Path sdet = sdetSchemaDir(workDir);
        for (String f : SDET_FILES) b.append("include ").append(sdet.resolve(f)).append('\n');
        b.append("modulepath /usr/lib/ldap\n");
        b.append("moduleload back_mdb\n");
        b.append("pidfile ").append(workDir.resolve("slapd.pid")).append('\n');
        b.append("argsfile ").append(workDir.resolve("slapd.args")).append('\n');
        b.append("loglevel 0\n");
        b.append("sizelimit ").append(sizeLimit).append('\n');
        if (tls != null) {
            b.append("TLSCACertificateFile ").append(tls.caFile().toAbsolutePath()).append('\n');
            b.append("TLSCertificateFile ").append(tls.certFile().toAbsolutePath()).append('\n');
            b.append("TLSCertificateKeyFile ").append(tls.keyFile().toAbsolutePath()).append('\n');
            b.append("TLSVerifyClient never\n");
        }
        b.append("database mdb\n");
        // 1 GiB (sparse file) fits a few hundred thousand generated people; raise it for 1M
        b.append("maxsize ").append(Long.getLong("entsync.slapd.maxsize", 1L << 30)).append('\n');
        b.append("suffix \"").append(suffix).append("\"\n");
        b.append("rootdn \"cn=admin,").append(suffix).append("\"\n");
        b.append("rootpw ").append(PASSWORD).append('\n');
        b.append("directory ").append(db).append('\n');
        b.append("limits * size.prtotal=unlimited\n");
        b.append("index objectClass eq\n");
        b.append("index uid eq\n");
        b.append("index ENTStructureUAI eq\n");
        b.append("index ENTStructureSIREN eq\n");
        b.append("index member eq\n");
        b.append("access to * by * read\n");
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static int freePort(int other) throws IOException {
        for (int i = 0; i < 10; i++) {
            int p = freePort();
            if (p != other) return p;
        }
        throw new IOException("no second free port");
    }

    private void launch() throws IOException {
        String listen = "ldap://127.0.0.1:" + port + "/" + (tls == null ? "" : " ldaps://127.0.0.1:" + ldapsPort + "/");
        List<String> cmd = new ArrayList<>(List.of(SLAPD.toString(), "-d", "0", "-h", listen, "-f", conf.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        LDAPException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("slapd exited with code " + process.exitValue() + ":\n" + logTail());
            }
            try (LDAPConnection c = new LDAPConnection("127.0.0.1", port)) {
                c.getRootDSE();
                return;
            } catch (LDAPException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        process.destroyForcibly();
        throw new IOException("slapd did not accept connections on port " + port + " within 30 s (" + last + "):\n" + logTail());
    }

    private String logTail() {
        try {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String url() {
        return "ldap://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String ldapsUrl() {
        if (tls == null) throw new IllegalStateException("slapd was started without TLS");
        return "ldaps://127.0.0.1:" + ldapsPort;
    }

    /** The ldaps port, -1 without TLS. */
    public int ldapsPort() {
        return ldapsPort;
    }

    public Tls tls() {
        return tls;
    }

    public String suffix() {
        return suffix;
    }

    public String bindDn() {
        return "cn=admin," + suffix;
    }

    public String password() {
        return PASSWORD;
    }

    public Path workDir() {
        return workDir;
    }

    /** The slapd process id (for profiling), -1 when not running. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** A connection bound as the rootdn. */
    public LDAPConnection connect() throws LDAPException {
        return new LDAPConnection("127.0.0.1", port, bindDn(), PASSWORD);
    }

    /** A connection with these options (the read floor reads with ent-sync's own, {@code LdapConnector.bulkReadOptions}). */
    public LDAPConnection connect(com.unboundid.ldap.sdk.LDAPConnectionOptions options) throws LDAPException {
        return new LDAPConnection(options, "127.0.0.1", port, bindDn(), PASSWORD);
    }

    /** Graceful stop (SIGTERM), waiting for slapd to exit. */
    public void stop() {
        if (process == null) return;
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Abrupt stop (SIGKILL), for fault-injection tests. */
    public void kill() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops slapd if it runs, then starts it again on the same port with the same database. */
    public void restart() {
        if (running()) stop();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a folder and everything in it, best effort (a temporary folder: the bench's, a test's). */
    public static void deleteTree(java.nio.file.Path dir) {
        if (dir == null || !java.nio.file.Files.exists(dir)) return;
        try (var s = java.nio.file.Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // best effort
        }
    }

    @Override
    public void close() {
        stop();
    }
}
