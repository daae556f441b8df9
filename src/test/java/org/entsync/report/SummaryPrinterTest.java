package org.entsync.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.entsync.report.ReportFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class SummaryPrinterTest {
    private static String print(RunReport r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SummaryPrinter.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void nightRunSummary() {
        List<String> lines = print(nightRun()).lines().toList();
        assertEquals("ent-sync lycee-hugo run 42 mode differential (schedule): SUCCESS in 2 min 05 s, exit 0, 390 LDAP entries read",
                lines.get(0));
        assertEquals("users            read 350  outOfScope 2  created 12  updated 3  unchanged 330  suspended 1  failed 2", lines.get(1));
        assertEquals("cohorts          read 40  created 2  updated 1  unchanged 37  failed 0", lines.get(2));
        assertEquals("  FAILED uid=x,ou=people,dc=lycee-hugo,dc=fr field sn: required value is missing", lines.get(3));
        assertEquals("  FAILED uid=<script>alert(1)</script>,ou=people field mail: invalid e-mail <script>alert(1)</script>", lines.get(4));
        assertEquals("  GUARD users allowed: 1 suspension of 350 users (0.3%) is under the 10% limit", lines.get(5));
        assertEquals(6, lines.size());
    }

    @Test
    void outputIsAsciiAndFailuresAreCapped() {
        RunReport r = hostileRun();
        r.instance = "Lyc\u00e9e \u0141\u00f3d\u017a \u202E\u001b[2J";
        String out = print(r) + print(cappedRun());
        assertTrue(out.chars().allMatch(c -> c == '\n' || c >= 0x20 && c < 0x7f), out);
        assertTrue(out.startsWith("ent-sync Lycee ?odz ??[2J run 42"), out);
        assertTrue(out.contains("  INCOMPLETE <script>alert(1)</script> extraction: LDAP timeout"), out);
        assertTrue(out.contains("  GUARD <script>alert(1)</script> refused: would delete 5 of 5"), out);
        assertTrue(out.contains("  ERROR guard refused"), out);
        String capped = print(cappedRun());
        assertEquals(SummaryPrinter.MAX_FAILURES, capped.lines().filter(l -> l.startsWith("  FAILED ")).count());
        assertTrue(capped.contains("  ... 5180 more failures in the report"), capped);
        assertTrue(capped.contains("users            read 20000  created 0  updated 6000"), capped);
    }
}
