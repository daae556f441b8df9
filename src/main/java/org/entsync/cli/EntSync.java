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
        // picocli echoes unmatched arguments ("Unknown options: '--sett', 'entsync.ldap.password=...'"): redact them
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("ent-sync: " + redact(ex.getMessage(), a));
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
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

    /**
     * A parse error message without secrets: the value of any argument whose key names a password or secret
     * ({@code entsync.ldap.password=...}, {@code --password=...}) is replaced by ****.
     */
    static String redact(String message, String[] args) {
        String m = String.valueOf(message);
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq > 0 && eq < a.length() - 1 && a.substring(0, eq).toLowerCase(java.util.Locale.ROOT).matches(".*(password|secret|passwd|pwd).*")) {
                m = m.replace(a, a.substring(0, eq + 1) + "****");
            }
        }
        return m.replaceAll("(?i)(password[A-Za-z0-9_.]*=)[^'\\s,]+", "$1****");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
