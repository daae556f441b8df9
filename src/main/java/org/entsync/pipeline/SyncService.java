package org.entsync.pipeline;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.farm.FarmFile;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.ldap.EmbeddedDirectory;
import org.entsync.ldap.LdapConnector;
import org.entsync.moodle.MoodleSchemaChecker;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Puts runs together from validated configurations: the directory (the embedded sample or the configured servers,
 * shared by every instance), each Moodle target (checked), the mappings (checked), then sends them through the
 * routes as one farm run.
 */
public final class SyncService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
    private final SyncEngine engine;
    private EmbeddedDirectory embedded;

    public SyncService(SyncEngine engine) {
        this.engine = engine;
    }

    /** One instance, checked: a misconfiguration throws {@link ConfigException} before anything is written. */
    public RunContext prepare(SyncConfig cfg, RunOptions options) {
        return prepare(cfg, options, connector(cfg));
    }

    private RunContext prepare(SyncConfig cfg, RunOptions options, LdapConnector ldap) {
        // the mappings are read while the database is opened (each 5-30 ms at the start of every run); when both
        // are wrong, the mapping's error is the one reported, as when they were read first
        CompletableFuture<Mappings> reading = CompletableFuture.supplyAsync(() -> Mappings.load(cfg, options.entities()),
                work -> SyncEngine.startDaemon("entsync-mappings", work));
        TargetDatabase target;
        try {
            target = TargetDatabase.open(cfg.instance(), cfg.moodle(), MoodleSchemaChecker.coreRequirements());
        } catch (RuntimeException e) {
            SyncEngine.joinUnwrapped(reading);
            throw e;
        }
        Mappings mappings;
        try {
            mappings = SyncEngine.joinUnwrapped(reading);
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

    /** Runs one prepared instance. */
    public RunReport run(RunContext run) {
        try {
            engine.run(new FarmRun(List.of(run), run.ldap()));
            return run.report();
        } finally {
            run.target().close();
        }
    }

    /**
     * Runs several instances in one pass over the directory. An instance that cannot even start (database down,
     * wrong prefix, bad mapping) gets a failed report; the others run.
     */
    public List<RunReport> runFarm(List<FarmFile.InstanceConfig> instances, RunOptions options) {
        if (instances.isEmpty()) throw new ConfigException("no instance to sync (all disabled in the farm file?)");
        LdapConnector ldap = connector(instances.get(0).config());
        List<RunReport> reports = new ArrayList<>();
        List<RunContext> runs = new ArrayList<>();
        for (FarmFile.InstanceConfig ic : instances) {
            List<String> entities = options.entities().stream().filter(ic.entities()::contains).toList();
            try {
                RunContext run = prepare(ic.config(), options.withEntities(entities), ldap);
                runs.add(run);
                reports.add(run.report());
            } catch (ConfigException e) {
                LOG.error("instance {}: {}", ic.name(), e.getMessage());
                reports.add(notStarted(ic.name(), options, e.getMessage()));
            }
        }
        if (!runs.isEmpty()) {
            try {
                engine.run(new FarmRun(runs, ldap));
            } finally {
                runs.forEach(r -> r.target().close());
            }
        }
        return reports;
    }

    private static RunReport notStarted(String instance, RunOptions options, String error) {
        RunReport r = new RunReport();
        r.instance = instance;
        r.trigger = options.trigger();
        r.mode = options.mode();
        r.startedAt = r.endedAt = System.currentTimeMillis();
        r.error = error;
        r.outcome = Outcome.CONFIG_ERROR.label;
        r.exitCode = Outcome.CONFIG_ERROR.exitCode;
        return r;
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
}
