package org.entsync.cli;

import org.entsync.bench.Bench;
import org.entsync.bench.BenchDatabase;
import org.entsync.moodle.Dialect;
import org.entsync.pipeline.RunOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures ent-sync against the floor on the same data: generates a directory, loads it into a fresh slapd "
                + "(slapadd), prepares an empty Moodle schema in a new database, measures a plain paged LDAP read and a plain "
                + "batched insert, then the first sync, a run with no change, a run after --change of the people changed and "
                + "a --full run. Prints a table and writes JSON. Needs slapd/slapadd (apt-get install slapd)."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--people", defaultValue = "100000", description = "People in the directory (default ${DEFAULT-VALUE}).")
    int people;

    @Option(names = "--schools-size", defaultValue = "2000", description = "People per school: schools = people / this (default ${DEFAULT-VALUE}).")
    int schoolSize;

    @Option(names = "--db", defaultValue = "postgresql", description = "postgresql, mariadb or h2 (default ${DEFAULT-VALUE}).")
    String db;

    @Option(names = "--db-url", paramLabel = "URL", description = "Server url without database name (default jdbc:postgresql://127.0.0.1:5432/, "
            + "jdbc:mariadb://127.0.0.1:3306/; H2: a file under --work).")
    String dbUrl;

    @Option(names = "--db-user", description = "Database user (default postgres / root / sa).")
    String dbUser;

    @Option(names = "--db-password", description = "Database password (default empty); env:NAME reads a variable.")
    String dbPassword;

    @Option(names = "--db-options", paramLabel = "K=V&...", description = "Extra JDBC url options for the bench database, e.g. reWriteBatchedInserts=false.")
    String dbOptions;

    @Option(names = "--page-size", defaultValue = "500", description = "LDAP page size, floor and sync (default ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--change", defaultValue = "0.01", description = "Share of the people changed before the third run (default ${DEFAULT-VALUE}).")
    double change;

    @Option(names = "--seed", defaultValue = "8") long seed;

    @Option(names = "--work", paramLabel = "DIR", description = "Work folder (LDIF, slapd database, reports); default a new temporary folder.")
    Path work;

    @Option(names = "--out", paramLabel = "FILE", description = "Writes the results as JSON.")
    Path out;

    @Option(names = "--keep", description = "Keep the database and the work folder afterwards.")
    boolean keep;

    @Option(names = "--repeat", defaultValue = "3", description = "Runs of the no-change and the changed phase, each after a read floor of "
            + "its own; the table gives the median ratio (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--first-repeat", defaultValue = "1", description = "Runs of the first sync, each into an empty Moodle of its own and "
            + "followed by its insert floor; the table gives the median ratio (default ${DEFAULT-VALUE}).")
    int firstRepeat;

    @Option(names = "--floor-values", defaultValue = "directory", paramLabel = "directory|synthetic",
            description = "Values of the insert floor's rows: the first sync's own (default), or made-up ones as in the figures of "
                    + "docs/performance.md's earlier sessions (keys that mostly climb, cheaper to index).")
    String floorValues;

    @Option(names = "--entities", split = ",", paramLabel = "E", description = "Entities the measured runs sync (default: all of "
            + "categories, users, cohorts, roles, groups); the floor is the same whatever they are.")
    List<String> entities;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Extra ent-sync setting for the measured runs, e.g. --set entsync.ldap.pageSize=1000.")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Dialect d = Bench.dialect(db);
        String password = dbPassword != null && dbPassword.startsWith("env:") ? System.getenv(dbPassword.substring(4)) : dbPassword;
        BenchDatabase.Server server = BenchDatabase.Server.defaults(d).with(dbUrl, dbUser, password, dbOptions);
        Map<String, String> settings = new LinkedHashMap<>();
        set.forEach((k, v) -> settings.put(k.startsWith("entsync.") ? k : "entsync." + k, v));
        if (repeat < 1) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--repeat must be at least 1");
        if (firstRepeat < 1) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--first-repeat must be at least 1");
        Bench.FloorValues values = switch (floorValues) {
            case "directory" -> Bench.FloorValues.DIRECTORY;
            case "synthetic" -> Bench.FloorValues.SYNTHETIC;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--floor-values must be directory or synthetic, not '" + floorValues + "'");
        };
        List<String> measured = RunOptions.select(entities, "--entities");
        // made once the options are known good: a refused option leaves no folder behind
        Path dir = work != null ? work : Files.createTempDirectory("entsync-bench-");
        Bench.Options o = new Bench.Options(people, schoolSize, seed, server, dir, out, pageSize, change, settings, keep, repeat, firstRepeat, measured, values);
        try {
            Bench.Result r = new Bench(o, System.err).run();
            System.out.print(Bench.table(r));
            if (out != null) {
                Bench.writeJson(r, out);
                System.out.println("wrote " + out);
            }
            return 0;
        } finally {
            if (!keep) org.entsync.bench.BenchDirectory.deleteTree(dir);
        }
    }
}
