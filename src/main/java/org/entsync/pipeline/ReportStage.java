package org.entsync.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.camel.ExchangeProperty;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Publishes the finished report: a JSON file per run under the reports folder. Reports name people and their
 * accounts: the folders ent-sync creates are rwx------ and the files rw------- (POSIX file systems).
 */
public final class ReportStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReportStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    public void publish(@ExchangeProperty("run") RunContext run) {
        RunReport r = run.report();
        Path dir = run.config().reportDir().resolve(r.instance);
        try {
            createPrivateDirectories(dir);
            // a dry run records no run row, so its id is the next real run's: it gets a name of its own
            String name = run.options().dryRun() ? "dry-run-" + r.runId + "-" + r.startedAt : "run-" + r.runId;
            Path file = dir.resolve(name + ".json");
            try (OutputStream out = Files.newOutputStream(createPrivateFile(file), StandardOpenOption.TRUNCATE_EXISTING)) {
                JSON.writeValue(out, r);
            }
            LOG.info("report written to {}", file);
        } catch (IOException e) {
            LOG.warn("could not write the report: {}", e.getMessage());
        }
    }

    /** Creates the missing folders of {@code dir} as rwx------ (existing ones are left as they are). */
    static void createPrivateDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) return;
        if (abs.getParent() != null) createPrivateDirectories(abs.getParent());
        if (POSIX) Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        else Files.createDirectory(abs);
    }

    /** The file, created rw------- (or made so when it already exists). */
    static Path createPrivateFile(Path file) throws IOException {
        if (!POSIX) return Files.exists(file) ? file : Files.createFile(file);
        var perms = PosixFilePermissions.fromString("rw-------");
        if (Files.exists(file)) {
            Files.setPosixFilePermissions(file, perms);
            return file;
        }
        return Files.createFile(file, PosixFilePermissions.asFileAttribute(perms));
    }
}
