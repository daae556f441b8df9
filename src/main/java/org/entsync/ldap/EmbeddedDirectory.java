package org.entsync.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.Schema;
import org.entsync.generator.SdetGenerator;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * An UnboundID in-memory LDAP server holding an SDET directory, listening on 127.0.0.1.
 *
 * <p>Schema: the SDET files merged with UnboundID's standard schema ({@link SdetSchema}), looked up on the
 * classpath ({@code sdet-schema/}) then in {@code schema/sdet/} under the working directory; schema
 * checking is on. If the schema cannot be loaded the server runs without schema (no checking) and the
 * reason is logged and kept in {@link #schemaProblem()}.
 *
 * <p>Content: the suffix entry and {@code ou=people}, {@code ou=structures}, {@code ou=groups}, then what
 * the loader sends (entries the loader repeats for those base DNs are skipped). Bind with
 * {@link #bindDn()} ({@code cn=admin,<suffix>}) and {@link #password()}.
 */
public final class EmbeddedDirectory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedDirectory.class.getName());
    public static final String DEFAULT_PASSWORD = "secret";

    private final InMemoryDirectoryServer server;
    private final String suffix;
    private final String bindDn;
    private final String password;
    private final boolean schemaChecking;
    private final String schemaProblem;
    private final long loaded;

    private EmbeddedDirectory(InMemoryDirectoryServer server, String suffix, String bindDn, String password,
                              boolean schemaChecking, String schemaProblem, long loaded) {
        this.server = server;
        this.suffix = suffix;
        this.bindDn = bindDn;
        this.password = password;
        this.schemaChecking = schemaChecking;
        this.schemaProblem = schemaProblem;
        this.loaded = loaded;
    }

    /** Options: where the schema comes from and the admin password. */
    public record Options(String password, Path schemaDir, boolean requireSchema) {
        public Options {
            if (password == null) password = DEFAULT_PASSWORD;
        }

        /** Password {@value #DEFAULT_PASSWORD}; schema from the classpath, else {@code schema/sdet}; fall back to no schema. */
        public static Options defaults() {
            return new Options(DEFAULT_PASSWORD, null, false);
        }
    }

    /** {@link #start(String, int, Consumer, Options)} with {@link Options#defaults()}. */
    public static EmbeddedDirectory start(String suffix, int port, Consumer<Consumer<Entry>> loader) throws LDAPException {
        return start(suffix, port, loader, Options.defaults());
    }

    /**
     * Starts the server.
     *
     * @param suffix  base DN, e.g. {@code dc=ent-demo,dc=fr}
     * @param port    TCP port on 127.0.0.1, 0 for a free one
     * @param loader  called once with a sink; everything it sends is added (may be null)
     */
    public static EmbeddedDirectory start(String suffix, int port, Consumer<Consumer<Entry>> loader, Options options)
            throws LDAPException {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(suffix);
        String bindDn = "cn=admin," + suffix;
        config.addAdditionalBindCredentials(bindDn, options.password());
        try {
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("default",
                    InetAddress.getByName("127.0.0.1"), port, null));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        config.setMaxChangeLogEntries(0);
        String problem = null;
        Schema schema = null;
        try {
            schema = loadSchema(options.schemaDir());
        } catch (RuntimeException | LDAPException e) {
            problem = "SDET schema not usable, running WITHOUT schema checking: " + e;
            if (options.requireSchema()) throw new IllegalStateException(problem, e);
            LOG.warning(problem);
        }
        config.setSchema(schema); // null = no schema checking
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);

        Set<DN> base = new HashSet<>();
        for (Entry e : SdetGenerator.baseEntries(suffix)) {
            server.add(e);
            base.add(e.getParsedDN());
        }
        long[] count = {0};
        if (loader != null) {
            loader.accept(e -> {
                try {
                    if (base.contains(e.getParsedDN())) return;
                    server.add(e);
                    count[0]++;
                } catch (LDAPException ex) {
                    throw new IllegalStateException("cannot add " + e.getDN() + ": " + ex.getMessage(), ex);
                }
            });
        }
        server.startListening();
        return new EmbeddedDirectory(server, suffix, bindDn, options.password(), schema != null, problem, count[0]);
    }

    private static Schema loadSchema(Path dir) throws LDAPException {
        if (dir != null) return SdetSchema.fromDirectory(dir);
        try {
            return SdetSchema.fromClasspath();
        } catch (IllegalArgumentException notOnClasspath) {
            Path local = Path.of("schema", "sdet");
            if (Files.isDirectory(local)) return SdetSchema.fromDirectory(local);
            throw notOnClasspath;
        }
    }

    public String url() {
        return "ldap://127.0.0.1:" + port();
    }

    public int port() {
        return server.getListenPort();
    }

    public String suffix() {
        return suffix;
    }

    public String bindDn() {
        return bindDn;
    }

    public String password() {
        return password;
    }

    /** True when the SDET schema was loaded and entries are checked against it. */
    public boolean schemaChecking() {
        return schemaChecking;
    }

    /** Why the schema is off, or null. */
    public String schemaProblem() {
        return schemaProblem;
    }

    /** Entries added from the loader. */
    public long loadedEntries() {
        return loaded;
    }

    /** A new connection bound as the admin. */
    public LDAPConnection connect() throws LDAPException {
        return new LDAPConnection("127.0.0.1", port(), bindDn, password);
    }

    /** The underlying server (e.g. for direct adds in tests). */
    public InMemoryDirectoryServer server() {
        return server;
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
