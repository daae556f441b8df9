package org.entsync.pipeline;

import org.entsync.config.SyncConfig;
import org.entsync.ldap.LdapConnector;
import org.entsync.ldap.StructureDirectory;
import org.entsync.mapping.EntityMapping;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.EntityReport;
import org.entsync.report.RunReport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything one run of one instance needs, carried through the routes as the exchange property "run", so that the
 * stage beans stay stateless and several instances can run side by side.
 */
public final class RunContext {
    private final SyncConfig config;
    private final RunOptions options;
    private final TargetDatabase target;
    private final LdapConnector ldap;
    private final Map<String, EntityMapping> mappings;
    private final RunReport report = new RunReport();
    private final StructureDirectory structures = new StructureDirectory();
    private final Map<String, Object> sinks = new ConcurrentHashMap<>();
    private final Map<String, long[]> seen = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<String>> dryRunSeen = new ConcurrentHashMap<>();
    private long runId;

    public RunContext(SyncConfig config, RunOptions options, TargetDatabase target, LdapConnector ldap, Map<String, EntityMapping> mappings) {
        this.config = config;
        this.options = options;
        this.target = target;
        this.ldap = ldap;
        this.mappings = mappings;
        report.instance = config.instance();
        report.trigger = options.trigger();
        report.mode = options.mode();
        report.startedAt = System.currentTimeMillis();
    }

    public SyncConfig config() {
        return config;
    }

    public RunOptions options() {
        return options;
    }

    public TargetDatabase target() {
        return target;
    }

    public LdapConnector ldap() {
        return ldap;
    }

    public EntityMapping mapping(String entity) {
        EntityMapping m = mappings.get(entity);
        if (m == null) throw new IllegalStateException("no mapping loaded for " + entity);
        return m;
    }

    public RunReport report() {
        return report;
    }

    public EntityReport report(String entity) {
        return report.entity(entity);
    }

    public StructureDirectory structures() {
        return structures;
    }

    /** The entities of this run, in order; the routes split on it. */
    public List<String> getEntities() {
        return options.entities();
    }

    public long runId() {
        return runId;
    }

    void runId(long id) {
        this.runId = id;
        report.runId = id;
    }

    @SuppressWarnings("unchecked")
    <T> T sink(String entity, java.util.function.Supplier<T> create) {
        return (T) sinks.computeIfAbsent(entity, e -> create.get());
    }

    /** Entries of this entity found in the directory and in scope (synced, unchanged or failed). */
    void addSeen(String entity, long n) {
        seen.computeIfAbsent(entity, e -> new long[1])[0] += n;
    }

    /** Dry run only: the keys this run saw, which a dry run cannot record in the index (lastseen). */
    void dryRunSeen(String entity, java.util.Collection<String> keys) {
        dryRunSeen.computeIfAbsent(entity, e -> ConcurrentHashMap.newKeySet()).addAll(keys);
    }

    boolean seenInDryRun(String entity, String key) {
        java.util.Set<String> s = dryRunSeen.get(entity);
        return s != null && s.contains(key);
    }

    long seen(String entity) {
        long[] s = seen.get(entity);
        return s == null ? 0 : s[0];
    }

    public long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
