package org.entsync.cli;

import org.entsync.config.ConfigException;
import org.entsync.config.Settings;
import org.entsync.farm.FarmFile;
import org.entsync.ldap.LdapConnector;
import org.entsync.pipeline.RunContext;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks the configuration, the mappings, the directory and every instance's Moodle database, without writing.")
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        Settings settings = config.settings();
        settings.describe().forEach((k, v) -> System.out.println("  " + k + " = " + v));
        List<FarmFile.InstanceConfig> instances = FarmFile.load(settings);
        int code = 0;
        boolean directoryChecked = false;
        try (SyncService service = new SyncService(null)) {
            for (FarmFile.InstanceConfig ic : instances) {
                try {
                    RunContext run = service.prepare(ic.config(), RunOptions.defaults().withEntities(ic.entities()));
                    try {
                        if (!directoryChecked) {
                            try (var c = run.ldap().connect()) {
                                System.out.println("directory: OK (" + run.ldap().describe() + ")");
                            } catch (com.unboundid.ldap.sdk.LDAPException e) {
                                throw new ConfigException("directory " + run.ldap().describe() + " (entsync.ldap.url): " + LdapConnector.explain(e));
                            }
                            directoryChecked = true;
                        }
                        System.out.println("instance " + ic.name() + ": OK (mappings " + ic.config().mappingDir().resolve(ic.config().mappingProfile())
                                + ", prefix " + ic.config().moodle().prefix() + ", mnethostid " + run.target().site().mnetHostId()
                                + (ic.schedule() == null ? "" : ", schedule " + ic.schedule()) + ")");
                    } finally {
                        run.target().close();
                    }
                } catch (ConfigException e) {
                    if (instances.size() == 1) throw e;
                    System.out.println("instance " + ic.name() + ": " + e.getMessage());
                    code = 2;
                }
            }
        }
        return code;
    }
}
