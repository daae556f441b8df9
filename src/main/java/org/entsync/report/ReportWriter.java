package org.entsync.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a run's report as {@code <reportDir>/<instance>/<yyyyMMdd-HHmmss>-run<id>.json} and {@code .html}, refreshes
 * {@code latest.json}/{@code latest.html}, and prunes that instance's reports older than the retention.
 *
 * <p>Reports hold names, logins and e-mail addresses: folders are created {@code rwx------} and files
 * {@code rw-------} (on file systems that have POSIX permissions), and every file is written to a temporary
 * owner-only file first then moved in place, so no reader ever sees a half-written or world-readable report.
 */
public final class ReportWriter {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    /** Only files this class names are ever pruned. */
    private static final Pattern REPORT_FILE = Pattern.compile("(dry-run-)?\\d{8}-\\d{6}-run\\d+(-\\d+)?\\.(json|html)");
    private static final Pattern TEMP_FILE = Pattern.compile("\\.report-.*\\.tmp");
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
    /**
     * Compact, ASCII only, and without '<', '>' or '&' (written as \\u escapes, the same JSON to any reader), so that
     * the page embeds the file's very text in a script element: a first sync's report is megabytes, serialised once.
     */
    private static final ObjectWriter JSON = scriptSafeWriter();

    private static ObjectWriter scriptSafeWriter() {
        JsonFactory f = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
        f.setCharacterEscapes(new ScriptSafeEscapes());
        return JsonMapper.builder(f).build().writer();
    }

    private static final class ScriptSafeEscapes extends CharacterEscapes {
        private final int[] escapes = CharacterEscapes.standardAsciiEscapesForJSON();

        ScriptSafeEscapes() {
            escapes['<'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['>'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['&'] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null; // only standard escapes
        }
    }

    private final Path reportDir;
    private final int retentionDays;

    /**
     * @param reportDir     the {@code reports} folder; one sub-folder per instance is made in it
     * @param retentionDays reports of an instance older than this many days are deleted after each write; 0 keeps all
     */
    public ReportWriter(Path reportDir, int retentionDays) {
        if (retentionDays < 0) throw new IllegalArgumentException("retentionDays must be >= 0, got " + retentionDays);
        this.reportDir = reportDir;
        this.retentionDays = retentionDays;
    }

    /**
     * Writes the JSON and HTML reports and the latest copies, then prunes.
     *
     * @param history the instance's previous runs (the last 30) for the history chart; may be empty
     * @return the HTML report written (the JSON one has the same name ending in .json)
     */
    public Path write(RunReport r, List<RunSummary> history) throws IOException {
        Path dir = instanceDir(r.instance);
        long stampMillis = r.startedAt > 0 ? r.startedAt : System.currentTimeMillis();
        boolean dryRun = r.mode != null && r.mode.contains("dry-run");
        // a dry run records no run row (its id is the next real run's): its files carry their own prefix
        String base = (dryRun ? "dry-run-" : "") + STAMP.format(Instant.ofEpochMilli(stampMillis).atZone(ZoneId.systemDefault())) + "-run" + r.runId
                + (dryRun ? "-" + stampMillis : "");
        byte[] json = json(r);
        String[] around = HtmlReport.around(r, history == null ? List.of() : history);
        byte[] before = around[0].getBytes(StandardCharsets.UTF_8);
        byte[] after = around[1].getBytes(StandardCharsets.UTF_8);
        byte[] html = new byte[before.length + json.length + after.length]; // the page embeds the file's bytes
        System.arraycopy(before, 0, html, 0, before.length);
        System.arraycopy(json, 0, html, before.length, json.length);
        System.arraycopy(after, 0, html, before.length + json.length, after.length);
        Path jsonFile = dir.resolve(base + ".json");
        Path htmlFile = dir.resolve(base + ".html");
        writePrivate(jsonFile, json);
        writePrivate(htmlFile, html);
        if (!dryRun) {
            writePrivate(dir.resolve("latest.json"), json);
            writePrivate(dir.resolve("latest.html"), html);
        }
        prune(dir, Set.of(jsonFile.getFileName(), htmlFile.getFileName()));
        return htmlFile;
    }

    /** The folder of an instance's reports (not created). */
    public Path instanceFolder(String instance) {
        return reportDir.resolve(safeName(instance));
    }

    static String safeName(String instance) {
        String s = instance == null || instance.isBlank() ? "default" : instance.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.startsWith(".") ? "_" + s.substring(1) : s;
    }

    private Path instanceDir(String instance) throws IOException {
        if (!Files.isDirectory(reportDir)) createDirectories(reportDir);
        Path dir = instanceFolder(instance);
        if (!Files.isDirectory(dir)) createDirectories(dir);
        else if (posix(dir)) Files.setPosixFilePermissions(dir, DIR_PERMS); // ours: keep it owner-only
        return dir;
    }

    /** Creates missing folders one by one, each owner-only (the umask could otherwise widen or narrow them). */
    private static void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent != null && !Files.isDirectory(parent)) createDirectories(parent);
        if (Files.isDirectory(abs)) return;
        if (posix(parent)) {
            Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIR_PERMS));
            Files.setPosixFilePermissions(abs, DIR_PERMS);
        } else {
            Files.createDirectory(abs);
        }
    }

    private static void writePrivate(Path target, byte[] content) throws IOException {
        Path dir = target.getParent();
        boolean posix = posix(dir);
        FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(FILE_PERMS)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, ".report-", ".tmp", attrs);
        try {
            Files.write(tmp, content);
            if (posix) Files.setPosixFilePermissions(tmp, FILE_PERMS);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void prune(Path dir, Set<Path> keep) throws IOException {
        if (retentionDays == 0) return;
        long limit = System.currentTimeMillis() - retentionDays * 86_400_000L;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (keep.contains(f.getFileName())) continue;
                if (!REPORT_FILE.matcher(name).matches() && !TEMP_FILE.matcher(name).matches()) continue;
                if (!Files.isRegularFile(f)) continue;
                if (Files.getLastModifiedTime(f).toMillis() < limit) Files.deleteIfExists(f);
            }
        }
    }

    /** The report as JSON bytes, ASCII only and safe as they are inside a script element (see {@link #JSON}). */
    static byte[] json(RunReport r) {
        try {
            // bytes, not a String: a first sync's report is megabytes, and building a String of it cost more than the JSON
            return JSON.writeValueAsBytes(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the run report", e);
        }
    }

    /** {@link #json} as text. */
    static String jsonText(RunReport r) {
        return new String(json(r), StandardCharsets.ISO_8859_1);
    }

    private static boolean posix(Path p) {
        return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
