package org.entsync.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.entsync.report.EntityReport.Count.*;

/** Hand-built run reports for the report tests: a realistic night run, hostile values, and a detail-capped run. */
final class ReportFixtures {
    static final String SCRIPT = "<script>alert(1)</script>";
    static final String QUOTES = "\"quotes\" & 'apostrophes'";
    static final String BREAKOUT = "</script><script>alert(2)</script>";
    static final String RTL = "evil\u202Egpj.exe";
    static final long START = 1_767_240_000_000L; // 2026-01-01 04:00 UTC

    private ReportFixtures() {
    }

    /** 350 users (12 created, 3 updated, 1 suspended, 2 failed), 40 cohorts; plus hostile values everywhere. */
    static RunReport nightRun() {
        RunReport r = new RunReport();
        r.runId = 42;
        r.instance = "lycee-hugo";
        r.trigger = "schedule";
        r.mode = "differential";
        r.startedAt = START;
        r.endedAt = START + 125_400;
        r.outcome = "success";
        r.ldapEntriesRead = 390;
        r.sqlBatches = 7;

        EntityReport u = r.entity("users");
        u.add(read, 350);
        u.add(unchanged, 330);
        u.add(outOfScope, 2);
        String[] first = {"Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules", "Karim", "Léa"};
        for (int i = 0; i < first.length; i++) {
            String login = first[i].toLowerCase().replace("é", "e").replace("ë", "e") + ".martin" + i;
            u.change(created, login, 1000 + i, diff("firstname", null, first[i], "lastname", null, "MARTIN",
                    "email", null, login + "@lycee-hugo.fr"), null);
        }
        u.change(updated, "bruno.durand", 311, diff("email", "bruno@old.fr", "bruno.durand@lycee-hugo.fr"), null);
        u.change(updated, SCRIPT, 312, diff("lastname", QUOTES, BREAKOUT, "city", "", RTL), "note " + SCRIPT);
        u.change(updated, "chloe.petit", 313, diff("department", "2NDE-A", "1ERE-B"), null);
        u.change(suspended, "old.student", 77, Map.of(), "left the school (no longer in LDAP)");
        u.failure("uid=x,ou=people,dc=lycee-hugo,dc=fr", "x", "sn", null, "required value is missing");
        u.failure("uid=" + SCRIPT + ",ou=people", BREAKOUT, "mail", QUOTES + RTL, "invalid e-mail " + SCRIPT);
        u.guard("allowed", "1 suspension of 350 users (0.3%) is under the 10% limit");
        u.time("ldap-read", 8_420);
        u.time("mapping", 640);
        u.time("diff", 310);
        u.time("sql-write", 2_150);

        EntityReport c = r.entity("cohorts");
        c.add(read, 40);
        c.add(unchanged, 37);
        c.change(created, "2NDE-C", 501, diff("name", null, "Seconde C", "idnumber", null, "2NDE-C"), null);
        c.change(created, "TERM-" + SCRIPT, 502, diff("name", null, RTL), null);
        c.change(updated, "1ERE-B", 488, diff("description", "Première B", "Première B (LV2 allemand)"), null);
        c.time("ldap-read", 1_100);
        c.time("diff", 45);
        c.time("sql-write", 380);
        return r;
    }

    /** Same as nightRun but with an instance, entity and guard whose names are hostile, and a refused guard. */
    static RunReport hostileRun() {
        RunReport r = nightRun();
        r.instance = QUOTES + " " + SCRIPT;
        r.trigger = BREAKOUT;
        r.mode = RTL;
        r.outcome = "guard-refused";
        r.error = "guard refused: " + SCRIPT;
        EntityReport e = r.entity(SCRIPT);
        e.add(read, 5);
        e.guard("refused", "would delete 5 of 5 " + BREAKOUT);
        e.extractionFailed("LDAP timeout " + QUOTES + RTL);
        e.failure(BREAKOUT, SCRIPT, RTL, "\u0000\u0007\u001b[31m", QUOTES);
        e.time(SCRIPT, 10);
        return r;
    }

    /** One entity with 6000 updates and 5200 failures: past EntityReport.DETAIL_CAP. */
    static RunReport cappedRun() {
        RunReport r = new RunReport();
        r.runId = 7;
        r.instance = "big";
        r.trigger = "cli";
        r.mode = "full";
        r.startedAt = START;
        r.endedAt = START + 3_725_000;
        r.outcome = "success";
        EntityReport u = r.entity("users");
        u.add(read, 20_000);
        for (int i = 0; i < 6000; i++) {
            u.change(updated, "user" + i, 10_000 + i, diff("city", "Lyon", i % 2 == 0 ? "Paris" : SCRIPT), null);
        }
        for (int i = 0; i < 5200; i++) u.failure("uid=f" + i + ",ou=people", "f" + i, "sn", "", "required value is missing");
        return r;
    }

    static List<RunSummary> history(int n, String instance) {
        List<RunSummary> h = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = START - (n - i) * 86_400_000L;
            long dur = 60_000 + (i * 37_000L % 90_000);
            String outcome = i % 11 == 5 ? "failed" : i % 13 == 7 ? "incomplete" : "success";
            h.add(new RunSummary(42 - n + i, instance, "schedule", "differential", start, start + dur, outcome,
                    (i * 7L) % 40, i % 11 == 5 ? 3 : 0));
        }
        return h;
    }

    static Map<String, List<String>> diff(String... fieldOldNew) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < fieldOldNew.length; i += 3) {
            List<String> pair = new ArrayList<>();
            pair.add(fieldOldNew[i + 1]);
            pair.add(fieldOldNew[i + 2]);
            m.put(fieldOldNew[i], pair);
        }
        return m;
    }
}
