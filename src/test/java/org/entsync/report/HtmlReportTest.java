package org.entsync.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.entsync.report.ReportFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class HtmlReportTest {
    private static final String ISLAND_OPEN = "<script type=\"application/json\" id=\"report-data\">";

    @Test
    void hostileValuesAreEscapedEverywhere() throws Exception {
        RunReport r = hostileRun();
        String html = HtmlReport.render(r, history(5, r.instance));

        // exactly two script elements: the JSON island and the page's own code
        assertEquals(2, count(html.toLowerCase(), "<script"), "script elements");
        assertEquals(2, count(html.toLowerCase(), "</script"), "script end tags");
        assertFalse(html.contains("alert(1)</script>"), "raw hostile script");
        assertFalse(html.contains("<script>alert"), "raw hostile script");
        // server-rendered text is HTML-escaped: instance, entity name, error, guard reason
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped script text");
        assertTrue(html.contains("&quot;quotes&quot; &amp; &#39;apostrophes&#39;"), "escaped quotes");
        assertTrue(html.contains("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), "escaped break-out");
        // bidi override and control characters never reach the page raw, they are shown as \\uXXXX
        assertFalse(html.contains("\u202E"), "raw U+202E");
        assertTrue(html.contains("evil\\u202Egpj.exe"), "visible U+202E marker");
        for (char c = 0; c < 0x20; c++) {
            if (c != '\n' && c != '\t') assertEquals(-1, html.indexOf(c), "raw control character " + (int) c);
        }
        // attribute contexts: the entity name in data-entity is escaped too
        assertTrue(html.contains("data-entity=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), "attribute escaping");
        // banners
        assertTrue(html.contains("id=\"guard-banner\""), "refused guard banner");
        assertTrue(html.contains("id=\"extraction-banner\""), "extraction banner");
        assertTrue(html.contains("id=\"run-error\""), "run error banner");
        assertTrue(html.contains("class=\"badge o-warn\" id=\"outcome\">guard-refused<"), "outcome badge colour");
    }

    @Test
    void jsonIslandCannotBreakOutAndRoundTrips() throws Exception {
        RunReport r = hostileRun();
        String html = HtmlReport.render(r, List.of());
        String island = island(html);
        assertFalse(island.contains("<"), "no '<' in the island");
        assertFalse(island.contains(">"), "no '>' in the island");
        assertFalse(island.contains("&"), "no '&' in the island");
        assertTrue(island.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "island is printable ASCII");

        JsonNode data = new ObjectMapper().readTree(island);
        assertEquals(42, data.get("runId").asLong());
        JsonNode hostile = data.get("entities").get("users").get("changes").get(13);
        assertEquals(SCRIPT, hostile.get("key").asText());
        assertEquals(QUOTES, hostile.get("changes").get("lastname").get(0).asText());
        assertEquals(BREAKOUT, hostile.get("changes").get("lastname").get(1).asText());
        assertEquals(RTL, hostile.get("changes").get("city").get(1).asText());
        JsonNode failure = data.get("entities").get(SCRIPT).get("failures").get(0);
        assertEquals("\u0000\u0007\u001b[31m", failure.get("value").asText());
    }

    @Test
    void structureOfANightRun() throws Exception {
        RunReport r = nightRun();
        String html = HtmlReport.render(r, history(35, r.instance));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>ent-sync lycee-hugo run 42 \u2013 success</title>"));
        assertTrue(html.contains("class=\"badge o-ok\" id=\"outcome\">success<"), "green outcome");
        assertTrue(html.contains("<dt>Duration</dt><dd>2 min 05 s</dd>"), "duration");
        // cards: created 12 users + 2 cohorts, updated 3 + 1, removed = 1 suspended, unchanged 330 + 37, failed 2
        assertCard(html, "created", "14");
        assertCard(html, "updated", "4");
        assertCard(html, "removed", "1");
        assertCard(html, "revived", "0");
        assertCard(html, "unchanged", "367");
        assertCard(html, "failed", "2");
        assertCard(html, "ldap-read", "390");
        assertTrue(html.contains("<div class=\"card bad\" id=\"card-failed\">"), "failed card is red");
        assertFalse(html.contains("id=\"guard-banner\""), "no refused-guard banner");
        assertTrue(html.contains("<div class=\"banner info\"><strong>Guard: allowed</strong>1 suspension of 350 users"),
                "guard decision in its section");

        assertEquals(2, count(html, "<section class=\"entity\""), "one section per entity");
        assertTrue(html.contains("<td data-count=\"read\">350</td>"), "users read count");
        assertTrue(html.contains("<td data-count=\"failed\" class=\"failed\">2</td>"), "users failed count");
        assertEquals(2, count(html, "data-kind=\"changes\""), "changes tables");
        assertEquals(1, count(html, "data-kind=\"failures\""), "failures tables (cohorts has none)");
        assertTrue(html.contains("<p class=\"empty\">No failure.</p>"));
        assertTrue(html.contains("<th class=\"num\" data-type=\"num\" aria-sort=\"none\">Moodle id</th>"));
        for (String col : List.of("DN", "Key", "Field", "Value", "Reason")) assertTrue(html.contains(">" + col + "</th>"), col);

        // charts: 30 history bars (29 previous + this run), one stage bar per entity stage
        assertTrue(html.contains("<svg class=\"chart\" id=\"history-chart\""));
        assertEquals(HtmlReport.HISTORY_RUNS, count(html, "<g class=\"run\""), "history capped at 30 runs");
        assertTrue(html.contains("data-run=\"42\""), "this run is in the history");
        assertFalse(html.contains("data-run=\"12\""), "oldest runs dropped");
        assertTrue(html.contains("<svg class=\"chart\" id=\"stage-chart\""));
        assertTrue(html.contains(">users \u00b7 ldap-read</text>"));
        assertTrue(html.contains(">cohorts \u00b7 sql-write</text>"));
    }

    @Test
    void selfContainedWithScriptPinnedByCsp() throws Exception {
        String html = HtmlReport.render(nightRun(), history(3, "lycee-hugo"));
        assertFalse(Pattern.compile("(?i)(src|href|action)\\s*=\\s*\"?\\s*(https?:|//|file:)").matcher(html).find(), "external reference");
        assertFalse(html.contains("url("), "CSS url()");
        assertFalse(html.contains("@import"), "CSS import");
        assertFalse(Pattern.compile("(?i)<(link|iframe|img|object|embed)\\b").matcher(html).find(), "external-resource elements");

        Matcher csp = Pattern.compile("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">").matcher(html);
        assertTrue(csp.find(), "CSP meta");
        assertTrue(csp.group(1).startsWith("default-src &#39;none&#39;"), csp.group(1));
        int start = html.lastIndexOf("<script>") + "<script>".length();
        String code = html.substring(start, html.indexOf("</script>", start));
        String hash = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));
        assertTrue(csp.group(1).contains("script-src &#39;sha256-" + hash + "&#39;"), "CSP pins the page script by hash");
    }

    @Test
    void detailCapIsExplainedAndCountsStayExact() throws Exception {
        RunReport r = cappedRun();
        EntityReport u = r.entities.get("users");
        assertEquals(EntityReport.DETAIL_CAP, u.getChanges().size());
        assertEquals(1000, u.getChangesOmitted());
        assertEquals(200, u.getFailuresOmitted());

        String html = HtmlReport.render(r, List.of());
        assertTrue(html.contains("<td data-count=\"updated\">6,000</td>"), "exact updated count");
        assertTrue(html.contains("<td data-count=\"failed\" class=\"failed\">5,200</td>"), "exact failed count");
        assertCard(html, "updated", "6,000");
        assertTrue(html.contains("1,000 more changes are not listed: the report keeps the first 5,000"), "changes cap note");
        assertTrue(html.contains("200 more failures are not listed: the report keeps the first 5,000"), "failures cap note");
        assertTrue(html.contains("<dt>Duration</dt><dd>1 h 02 min</dd>"));

        JsonNode data = new ObjectMapper().readTree(island(html));
        assertEquals(5000, data.get("entities").get("users").get("changes").size());
        assertEquals(1000, data.get("entities").get("users").get("changesOmitted").asLong());
        assertEquals(6000, data.get("entities").get("users").get("counts").get("updated").asLong());
        assertFalse(html.contains("<script>alert"), "3000 hostile values, none raw");
        assertTrue(html.length() < 3_000_000, "page size " + html.length());
    }

    @Test
    void escHandlesNullSurrogatesAndAttributes() {
        assertEquals("", HtmlReport.esc(null));
        assertEquals("a&amp;b&lt;c&gt;d&quot;e&#39;f", HtmlReport.esc("a&b<c>d\"e'f"));
        assertEquals("x\\uD800y", HtmlReport.esc("x\uD800y"), "lone surrogate");
        assertEquals("\uD83D\uDE00 ok", HtmlReport.esc("\uD83D\uDE00 ok"), "emoji kept");
        assertEquals("Chlo\u00e9 \u0627\u0644\u0639\u0631\u0628\u064a\u0629", HtmlReport.esc("Chlo\u00e9 \u0627\u0644\u0639\u0631\u0628\u064a\u0629"),
                "accents and Arabic kept");
        assertEquals("\\u202Eabc\\u2066\\u0000", HtmlReport.esc("\u202Eabc\u2066\u0000"));
    }

    static String island(String html) {
        int s = html.indexOf(ISLAND_OPEN);
        assertTrue(s >= 0, "JSON island present");
        s += ISLAND_OPEN.length();
        return html.substring(s, html.indexOf("</script>", s));
    }

    private static void assertCard(String html, String id, String value) {
        Matcher m = Pattern.compile("id=\"card-" + id + "\"><div class=\"l\">[^<]*</div><div class=\"n\">([^<]*)</div>").matcher(html);
        assertTrue(m.find(), "card " + id);
        assertEquals(value, m.group(1), "card " + id);
    }

    static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }
}
