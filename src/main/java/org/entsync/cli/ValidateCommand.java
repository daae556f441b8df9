package org.entsync.cli;

import org.entsync.config.SyncConfig;
import org.entsync.pipeline.RunContext;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks the configuration, the mappings, the directory and the Moodle database, without writing.")
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        SyncConfig cfg = config.load();
        cfg.settings().describe().forEach((k, v) -> System.out.println("  " + k + " = " + v));
        org.entsync.pipeline.Mappings.load(cfg, RunOptions.ALL);
        System.out.println("mappings: OK (" + cfg.mappingDir().resolve(cfg.mappingProfile()) + ")");
        try (SyncService service = new SyncService(null)) {
            RunContext run = service.prepare(cfg, RunOptions.defaults());
            try (var c = run.ldap().connect()) {
                System.out.println("directory: OK (" + run.ldap().describe() + ")");
            } catch (com.unboundid.ldap.sdk.LDAPException e) {
                throw new org.entsync.config.ConfigException("directory " + run.ldap().describe() + " (entsync.ldap.url): " + org.entsync.ldap.LdapConnector.explain(e));
            } finally {
                run.target().close();
            }
            System.out.println("moodle: OK (prefix " + cfg.moodle().prefix() + ", mnethostid " + run.target().site().mnetHostId() + ")");
        }
        return 0;
    }
}
