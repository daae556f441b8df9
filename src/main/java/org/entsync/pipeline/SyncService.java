package org.entsync.pipeline;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.ldap.EmbeddedDirectory;
import org.entsync.ldap.LdapConnector;
import org.entsync.mapping.EntityMapping;
import org.entsync.mapping.MappingLoader;
import org.entsync.moodle.MoodleSchemaChecker;
import org.entsync.moodle.TargetDatabase;
import org.entsync.moodle.UserSink;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Puts a run together from a validated configuration: the directory (the embedded sample or the configured
 * servers), the Moodle target (checked), the mappings (checked), then sends it through the routes.
 */
public final class SyncService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    private final SyncEngine engine;
    private EmbeddedDirectory embedded;

    public SyncService(SyncEngine engine) {
        this.engine = engine;
    }

    /** Everything a run needs, checked: a misconfiguration throws {@link ConfigException} before anything is written. */
    public RunContext prepare(SyncConfig cfg, RunOptions options) {
        Mappings mappings = Mappings.load(cfg, options.entities());
        LdapConnector ldap = connector(cfg);
        TargetDatabase target = TargetDatabase.open(cfg.instance(), cfg.moodle(), MoodleSchemaChecker.coreRequirements());
        try {
            Map<String, String> roles = new LinkedHashMap<>();
            if (mappings.roles() != null) mappings.roles().roleShortnames().forEach(r -> roles.put(r, "mapping " + mappings.roles().file()));
            if (mappings.groups() != null) mappings.groups().roleFields().forEach((r, field) -> roles.putIfAbsent(r, "mapping " + mappings.groups().file() + ": " + field));
            target.checkOwnedPrerequisites(cfg, roles);
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
        return new RunContext(cfg, options, target, ldap, mappings);
    }

    public RunReport run(RunContext run) {
        try {
            return engine.run(run);
        } finally {
            run.target().close();
        }
    }

    private LdapConnector connector(SyncConfig cfg) {
        if (!cfg.ldap().embedded()) return new LdapConnector(cfg.ldap(), cfg.ldap().urls());
        if (embedded == null) embedded = startEmbedded(cfg);
        return new LdapConnector(cfg.ldap(), List.of(embedded.url()));
    }

    /** The embedded default: an in-memory directory loaded with the bundled sample (or a generated one). */
    private static EmbeddedDirectory startEmbedded(SyncConfig cfg) {
        Path sample = cfg.ldap().embeddedSample();
        String suffix = cfg.ldap().baseDn();
        Consumer<Consumer<Entry>> loader;
        if (Files.isReadable(sample)) {
            loader = sink -> {
                try (LDIFReader r = new LDIFReader(sample.toFile())) {
                    Entry e;
                    while ((e = r.readEntry()) != null) sink.accept(e);
                } catch (IOException | LDIFException ex) {
                    throw new ConfigException("setting entsync.ldap.embeddedSample: cannot read " + sample + " (" + ex.getMessage() + ")");
                }
            };
        } else {
            LOG.info("{} not found: generating a sample directory in memory", sample);
            loader = sink -> new SdetGenerator(new GeneratorOptions(4, 80, 42L, suffix)).generate(sink);
        }
        try {
            EmbeddedDirectory d = EmbeddedDirectory.start(suffix, 0, loader, new EmbeddedDirectory.Options(cfg.ldap().password().reveal(), null, false));
            LOG.info("embedded directory {} started on {} with {} entries", suffix, d.url(), d.loadedEntries());
            return d;
        } catch (Exception e) {
            throw new ConfigException("embedded directory: cannot start (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        if (embedded != null) embedded.close();
    }

    public static Set<String> knownEntities() {
        return Set.copyOf(RunOptions.ALL);
    }
}
