package org.entsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.entsync.report.ReportFixtures.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ReportWriterTest {
    @TempDir
    Path tmp;

    private static String stamp(long millis) {
        return DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(Instant.ofEpochMilli(millis).atZone(ZoneId.systemDefault()));
    }

    @Test
    void writesJsonHtmlAndLatestCopies() throws Exception {
        Path reports = tmp.resolve("reports");
        RunReport r = nightRun();
        Path html = new ReportWriter(reports, 30).write(r, history(10, r.instance));

        Path dir = reports.resolve("lycee-hugo");
        String base = stamp(START) + "-run42";
        assertEquals(dir.resolve(base + ".html"), html);
        Path json = dir.resolve(base + ".json");
        assertTrue(Files.isRegularFile(html) && Files.isRegularFile(json));
        assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(dir.resolve("latest.json")));
        assertArrayEquals(Files.readAllBytes(html), Files.readAllBytes(dir.resolve("latest.html")));

        String jsonText = Files.readString(json);
        assertTrue(jsonText.contains("\"runId\":42"), "compact JSON");
        assertTrue(jsonText.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "ASCII only: the page embeds this very text");
        assertTrue(Files.readString(html).contains(jsonText), "the page embeds the file's text");
        JsonNode n = new ObjectMapper().readTree(jsonText);
        assertEquals("lycee-hugo", n.get("instance").asText());
        assertEquals(12, n.get("entities").get("users").get("counts").get("created").asLong());
        assertEquals("Gaëlle", n.get("entities").get("users").get("changes").get(6).get("changes").get("firstname").get(1).asText(),
                "non-ASCII read back from its \\u escapes");
        assertTrue(Files.readString(html).contains("id=\"report-data\""));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of(base + ".json", base + ".html", "latest.json", "latest.html"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()), "no temp file left");
        }
    }

    @Test
    void reportsAreOwnerOnly() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path reports = tmp.resolve("a/b/reports");
        RunReport r = nightRun();
        new ReportWriter(reports, 0).write(r, List.of());
        Path dir = reports.resolve("lycee-hugo");
        Set<PosixFilePermission> rwx = PosixFilePermissions.fromString("rwx------");
        assertEquals(rwx, Files.getPosixFilePermissions(reports), "created report folder");
        assertEquals(rwx, Files.getPosixFilePermissions(tmp.resolve("a")), "created parent folder");
        assertEquals(rwx, Files.getPosixFilePermissions(dir), "instance folder");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f), f.toString());
            }
        }

        // an existing instance folder that was left world-readable is tightened, latest copies are replaced owner-only
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("latest.html"), PosixFilePermissions.fromString("rw-r--r--"));
        r.runId = 43;
        r.startedAt += 86_400_000L;
        new ReportWriter(reports, 0).write(r, List.of());
        assertEquals(rwx, Files.getPosixFilePermissions(dir));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(dir.resolve("latest.html")));
        assertTrue(Files.readString(dir.resolve("latest.json")).contains("\"runId\":43"), "latest is the newest run");
    }

    @Test
    void aLoneSurrogateOrAnEmojiIsWrittenAndReadBack() throws Exception {
        RunReport r = nightRun();
        r.entities.get("users").change(EntityReport.Count.updated, "emoji", 900,
                java.util.Map.of("lastname", java.util.Arrays.asList("x\uD800y", "\uD83D\uDE00 <b>&")), null);
        Path html = new ReportWriter(tmp.resolve("surrogates"), 30).write(r, List.of());
        String text = Files.readString(Path.of(html.toString().replace(".html", ".json")), StandardCharsets.US_ASCII);
        assertTrue(text.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "ASCII only");
        JsonNode changes = new ObjectMapper().readTree(text).get("entities").get("users").get("changes");
        JsonNode last = changes.get(changes.size() - 1).get("changes").get("lastname");
        assertEquals("x\uD800y", last.get(0).asText());
        assertEquals("\uD83D\uDE00 <b>&", last.get(1).asText());
    }

    @Test
    void prunesOnlyOwnReportsOlderThanRetention() throws Exception {
        Path reports = tmp.resolve("reports");
        Path dir = reports.resolve("lycee-hugo");
        Files.createDirectories(dir);
        long now = System.currentTimeMillis();
        Path old1 = old(dir, "20250101-030000-run1.json", now, 40);
        Path old2 = old(dir, "20250101-030000-run1.html", now, 40);
        Path oldTmp = old(dir, ".report-123.tmp", now, 40);
        Path recent = old(dir, "20250301-030000-run2.html", now, 5);
        Path foreign = old(dir, "notes.txt", now, 400);
        Path otherInstance = old(Files.createDirectories(reports.resolve("other")), "20250101-030000-run9.json", now, 400);

        RunReport r = nightRun();
        r.startedAt = now - 40L * 86_400_000L; // the run's own files are never pruned, however old its start
        Path html = new ReportWriter(reports, 30).write(r, List.of());

        assertFalse(Files.exists(old1), "old json pruned");
        assertFalse(Files.exists(old2), "old html pruned");
        assertFalse(Files.exists(oldTmp), "stale temp file pruned");
        assertTrue(Files.exists(recent), "recent report kept");
        assertTrue(Files.exists(foreign), "foreign file kept");
        assertTrue(Files.exists(otherInstance), "other instance untouched");
        assertTrue(Files.exists(html), "this run kept");
        assertTrue(Files.exists(dir.resolve("latest.html")));
    }

    @Test
    void retentionZeroKeepsEverything() throws Exception {
        Path reports = tmp.resolve("reports");
        Path dir = Files.createDirectories(reports.resolve("lycee-hugo"));
        Path ancient = old(dir, "20200101-030000-run1.json", System.currentTimeMillis(), 2000);
        new ReportWriter(reports, 0).write(nightRun(), List.of());
        assertTrue(Files.exists(ancient));
        assertThrows(IllegalArgumentException.class, () -> new ReportWriter(reports, -1));
    }

    @Test
    void instanceNameCannotEscapeTheReportFolder() throws Exception {
        Path reports = tmp.resolve("reports");
        RunReport r = nightRun();
        r.instance = "../../etc/evil";
        Path html = new ReportWriter(reports, 0).write(r, List.of());
        assertEquals(reports.resolve("_._.._etc_evil"), html.getParent());
        assertTrue(html.normalize().startsWith(reports));
        r.instance = null;
        assertEquals(reports.resolve("default"), new ReportWriter(reports, 0).write(r, List.of()).getParent());
    }

    private static Path old(Path dir, String name, long now, int days) throws Exception {
        Path f = Files.writeString(dir.resolve(name), "x");
        Files.setLastModifiedTime(f, FileTime.fromMillis(now - days * 86_400_000L));
        return f;
    }
}
