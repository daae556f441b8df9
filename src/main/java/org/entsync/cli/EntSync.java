package org.entsync.cli;

import org.entsync.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: {@code ent-sync <command> [options]}. Exit codes are listed in {@code --help}. */
@Command(name = "ent-sync", mixinStandardHelpOptions = true, version = "ent-sync 0.1.0",
        description = "Keeps Moodle sites in step with SDET (ENT) LDAP directories.",
        subcommands = {SyncCommand.class, ValidateCommand.class, StatusCommand.class, ReportCommand.class, DaemonCommand.class, GenerateCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success (entries that failed alone are in the report)",
                "1:the run failed (database lost, unexpected error)",
                "2:configuration or mapping error: the message says what to fix",
                "3:the removal guard refused removals (see the report; --force-removals)",
                "4:the LDAP extraction was incomplete: nothing was removed",
                "5:another run of this instance holds the lock"})
public final class EntSync implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new EntSync());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ConfigException) {
                cmd.getErr().println("ent-sync: " + ex.getMessage());
                return 2;
            }
            cmd.getErr().println("ent-sync: " + ex);
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
