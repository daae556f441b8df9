package org.entsync.testsupport;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.RunReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real slapd loaded with a generated SDET directory, plus the settings that point ent-sync at it and at a test
 * Moodle database; runs syncs through the real routes.
 */
public final class SyncFixture implements AutoCloseable {
    public final Slapd slapd;
    public final GeneratedDirectory directory;
    public final SyncEngine engine;
    private final TestDatabase db;
    private final Path work;

    public SyncFixture(TestDatabase db, GeneratorOptions options) throws Exception {
        this(db, options, List.of());
    }

    /** As above, with extra slapd database configuration lines (see {@link Slapd#start(Path, String, Path, List)}). */
    public SyncFixture(TestDatabase db, GeneratorOptions options, List<String> slapdDatabaseLines) throws Exception {
        this.db = db;
        this.work = Files.createTempDirectory("entsync-" + db.name());
        this.slapd = Slapd.startGenerated(work, options, slapdDatabaseLines);
        this.directory = slapd.generated();
        this.engine = new SyncEngine(Path.of("routes"));
    }

    /** Settings for this directory and database; extra settings override them. */
    public SyncConfig config(Map<String, String> extra) {
        return SyncConfig.from(Settings.defaultsWith(settings(db, extra)));
    }

    /** The raw settings (entsync.* keys) for this directory and the given database; extra settings override them. */
    public Map<String, String> settings(TestDatabase target, Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>();
        String suffix = slapd.suffix();
        m.put("entsync.ldap.url", slapd.url());
        m.put("entsync.ldap.bindDn", slapd.bindDn());
        m.put("entsync.ldap.password", slapd.password());
        m.put("entsync.ldap.baseDn", suffix);
        m.put("entsync.ldap.peopleBase", "ou=people," + suffix);
        m.put("entsync.ldap.structuresBase", "ou=structures," + suffix);
        m.put("entsync.ldap.groupsBase", "ou=groups," + suffix);
        m.put("entsync.ldap.pageSize", "50");
        m.put("entsync.ldap.retries", "0");
        m.put("entsync.moodle.jdbcUrl", target.jdbcUrl());
        m.put("entsync.moodle.user", target.user());
        m.put("entsync.moodle.password", target.password());
        m.put("entsync.moodle.createSchema", "never");
        m.put("entsync.report.dir", work.resolve("reports").toString());
        m.putAll(extra);
        return m;
    }

    public RunReport sync(Map<String, String> extra, RunOptions options) {
        return sync(db, extra, options);
    }

    /** A run against another database (e.g. a reference database next to the one under test). */
    public RunReport sync(TestDatabase target, Map<String, String> extra, RunOptions options) {
        try (SyncService service = new SyncService(engine)) {
            return service.run(service.prepare(SyncConfig.from(Settings.defaultsWith(settings(target, extra))), options));
        }
    }

    /** The fixture's scratch folder (LDIF, slapd, reports). */
    public Path work() {
        return work;
    }

    public RunReport sync() {
        return sync(Map.of(), RunOptions.defaults());
    }

    public List<SearchResultEntry> search(String filter) throws Exception {
        try (LDAPConnection c = slapd.connect()) {
            return c.search("ou=people," + slapd.suffix(), SearchScope.ONE, filter).getSearchEntries();
        }
    }

    public LDAPConnection ldap() throws Exception {
        return slapd.connect();
    }

    @Override
    public void close() {
        engine.close();
        slapd.close();
        TestWork.delete(work);
    }
}
