package org.entsync.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.entsync.report.HtmlReportTest.count;
import static org.entsync.report.ReportFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Opens the report in headless Chromium: the page must run without any console message, and the DOM after its
 * script ran must hold the tables it builds. Leaves target/report-artifacts/report.png (and .html) to look at.
 *
 * <p>Needs Chromium: {@code apt-get install -y chromium} (or -Dchromium=/path/to/chromium). Without it the test fails.
 */
class HtmlReportChromiumTest {
    private static final Path CHROMIUM = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
    private static final Path ARTIFACTS = Path.of("target", "report-artifacts").toAbsolutePath();

    @TempDir
    Path tmp;

    @BeforeAll
    static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("Chromium not found at " + CHROMIUM + ": this test renders the HTML report in headless Chromium. "
                    + "Install it (Debian/Ubuntu: apt-get install -y chromium) or pass -Dchromium=/path/to/chromium.");
        }
    }

    @Test
    void nightRunRendersCleanly() throws Exception {
        RunReport r = nightRun();
        Path page = artifact("report.html", HtmlReport.render(r, history(29, r.instance)));

        Result dom = chromium("--dump-dom", page.toUri().toString());
        assertNoConsoleMessage(dom);
        String d = dom.stdout;
        assertTrue(d.contains("data-rendered=\"ok\""), "the page script ran to the end");
        // parts built by the script from the JSON island
        assertTable(d, "users", "changes", 16);
        assertTable(d, "users", "failures", 2);
        assertTable(d, "cohorts", "changes", 3);
        assertTrue(d.contains("<td class=\"key\">alice.martin0</td><td class=\"num\">1000</td>"
                + "<td><span class=\"act act-created\">created</span></td>"), "a created user row");
        assertTrue(d.contains("<li><span class=\"f\">email</span>: <span class=\"v\">bruno@old.fr</span>"
                + "<span class=\"arrow\"> \u2192 </span><span class=\"v\">bruno.durand@lycee-hugo.fr</span></li>"), "field: old -> new");
        assertTrue(d.contains("<span class=\"none\">(none)</span><span class=\"arrow\"> \u2192 </span><span class=\"v\">Alice</span>"),
                "created field has no old value");
        assertTrue(d.contains("<td>uid=x,ou=people,dc=lycee-hugo,dc=fr</td><td>x</td><td>sn</td><td></td>"
                + "<td class=\"reason\">required value is missing</td>"), "failure row");
        // hostile values are text, never markup
        assertTrue(d.contains("<td class=\"key\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"), "hostile key as text");
        assertTrue(d.contains("<span class=\"v\">&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</span>"), "break-out as text");
        assertTrue(d.contains("<span class=\"v\">evil\\u202Egpj.exe</span>"), "bidi override shown, not applied");
        assertFalse(d.contains("\u202E"), "raw U+202E in the DOM");
        assertEquals(2, count(d, "<script"), "no script element was injected");
        // server-rendered parts
        assertTrue(d.contains("<td data-count=\"read\">350</td>"), "users read");
        assertTrue(d.contains("<td data-count=\"unchanged\">330</td>"), "users unchanged");
        assertTrue(d.contains("id=\"card-created\"><div class=\"l\">Created</div><div class=\"n\">14</div>"), "created card");
        assertEquals(30, count(d, "<g class=\"run\""), "history bars");

        Path png = ARTIFACTS.resolve("report.png");
        Files.deleteIfExists(png);
        Result shot = chromium("--screenshot=" + png, "--window-size=1280,2000", "--hide-scrollbars", page.toUri().toString());
        assertNoConsoleMessage(shot);
        assertTrue(Files.isRegularFile(png), "screenshot written: " + shot.stderr);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 20_000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', "PNG of " + bytes.length + " bytes");
    }

    @Test
    void hostileRunRendersCleanly() throws Exception {
        RunReport r = hostileRun();
        Path page = artifact("report-hostile.html", HtmlReport.render(r, history(5, r.instance)));
        Result dom = chromium("--dump-dom", page.toUri().toString());
        assertNoConsoleMessage(dom);
        assertTrue(dom.stdout.contains("data-rendered=\"ok\""), "the page script ran to the end");
        assertEquals(2, count(dom.stdout, "<script"), "no script element was injected");
        assertTable(dom.stdout, "&lt;script&gt;alert(1)&lt;/script&gt;", "failures", 1);
        assertTrue(dom.stdout.contains("<td>\\u0000\\u0007\\u001B[31m</td>"), "control characters shown");
        Path png = ARTIFACTS.resolve("report-hostile.png");
        Result shot = chromium("--screenshot=" + png, "--window-size=1280,1400", "--hide-scrollbars", page.toUri().toString());
        assertNoConsoleMessage(shot);
    }

    /** 5000 rows: built, filtered and sorted by the page script (driven by a test script allowed through the CSP). */
    @Test
    void filterAndSortOnACappedRun() throws Exception {
        String html = HtmlReport.render(cappedRun(), List.of());
        String driver = """
                (function () {
                  var box = document.querySelector('.tablebox[data-kind="changes"]');
                  var input = box.querySelector('input');
                  var out = { rows: box.getAttribute('data-rows') };
                  input.value = 'PARIS';
                  input.dispatchEvent(new Event('input'));
                  setTimeout(function () {
                    out.shown = box.getAttribute('data-shown');
                    out.counter = box.querySelector('.rowcount').textContent;
                    input.value = '';
                    input.dispatchEvent(new Event('input'));
                    setTimeout(function () {
                      var th = box.querySelectorAll('th')[1];
                      th.click();
                      out.asc = box.querySelector('tbody tr td:nth-child(2)').textContent;
                      th.click();
                      out.desc = box.querySelector('tbody tr td:nth-child(2)').textContent;
                      out.sort = th.getAttribute('aria-sort');
                      out.all = box.getAttribute('data-shown');
                      document.documentElement.setAttribute('data-test', JSON.stringify(out));
                    }, 400);
                  }, 400);
                })();""";
        String hash = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(driver.getBytes(StandardCharsets.UTF_8)));
        html = html.replace("script-src &#39;sha256-", "script-src &#39;sha256-" + hash + "&#39; &#39;sha256-")
                .replace("</body>", "<script>" + driver + "</script>\n</body>");
        Path page = artifact("report-capped.html", html);

        Result dom = chromium("--virtual-time-budget=5000", "--dump-dom", page.toUri().toString());
        assertNoConsoleMessage(dom);
        Matcher m = Pattern.compile("data-test=\"([^\"]*)\"").matcher(dom.stdout);
        assertTrue(m.find(), "test driver finished");
        String result = m.group(1).replace("&quot;", "\"").replace("&amp;", "&");
        assertEquals("{\"rows\":\"5000\",\"shown\":\"2500\",\"counter\":\"2500 of 5000 rows\",\"asc\":\"10000\","
                + "\"desc\":\"14999\",\"sort\":\"descending\",\"all\":\"5000\"}", result);
        assertTable(dom.stdout, "users", "failures", 5000);
    }

    // ----------------------------------------------------------------------------------------------

    private record Result(String stdout, String stderr, List<String> console) {
    }

    private Result chromium(String... args) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "chromium");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("profile"), "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("stdout"), err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish in 120 s: " + cmd);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "Chromium exit code; stderr:\n" + stderr);
        // --enable-logging=stderr prints every console message (any level, uncaught exceptions, CSP violations)
        // as a line with "CONSOLE"; Chromium tags them all INFO, so the level cannot be told apart.
        List<String> console = stderr.lines().filter(l -> l.contains("CONSOLE")).toList();
        return new Result(Files.readString(out, StandardCharsets.UTF_8), stderr, console);
    }

    /** The page's own script logs nothing, so any console message is an error (exception, CSP violation...). */
    private static void assertNoConsoleMessage(Result r) {
        assertTrue(r.console.isEmpty(), "console messages:\n" + String.join("\n", r.console));
    }

    private static void assertTable(String dom, String entityAttr, String kind, int rows) {
        Pattern p = Pattern.compile("<div class=\"tablebox\" data-entity=\"" + Pattern.quote(entityAttr) + "\" data-kind=\""
                + kind + "\"[^>]*>");
        Matcher m = p.matcher(dom);
        assertTrue(m.find(), "table " + entityAttr + "/" + kind);
        assertTrue(m.group().contains("data-rows=\"" + rows + "\""), m.group());
        String after = dom.substring(m.end());
        String suffix = rows == 1 ? " row" : " rows";
        assertTrue(after.startsWith("\n<div class=\"tools\">") && after.contains("<span class=\"rowcount\">" + rows + suffix + "</span>"),
                "row counter of " + entityAttr + "/" + kind);
        String table = after.substring(0, after.indexOf("</table>"));
        assertEquals(rows, count(table, "<tr>") - 1, "rows in " + entityAttr + "/" + kind);
    }

    private static Path artifact(String name, String html) throws Exception {
        Files.createDirectories(ARTIFACTS);
        return Files.writeString(ARTIFACTS.resolve(name), html, StandardCharsets.UTF_8);
    }
}
