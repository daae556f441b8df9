package org.entsync.cli;

import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Writes a deterministic synthetic SDET directory as LDIF.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--schools", defaultValue = "4") int schools;
    @Option(names = "--people-per-school", defaultValue = "80") int people;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--suffix", defaultValue = GeneratorOptions.DEFAULT_SUFFIX) String suffix;
    @Option(names = "--out", required = true) Path out;

    @Override
    public Integer call() throws Exception {
        GeneratedDirectory d = SdetGenerator.writeLdif(new GeneratorOptions(schools, people, seed, suffix), out);
        System.out.println("wrote " + d.entries() + " entries (" + d.people() + " people, " + d.schools().size() + " schools) to " + out);
        return 0;
    }
}
