package org.entsync.report;

import java.io.PrintStream;
import java.text.Normalizer;
import java.util.Locale;

/** A compact, plain-ASCII summary of a run for the terminal (and for cron mails). */
public final class SummaryPrinter {
    /** Failures listed after the counters; the report files have the rest. */
    public static final int MAX_FAILURES = 20;
    private static final int MAX_TEXT = 160;

    private SummaryPrinter() {
    }

    public static void print(RunReport r, PrintStream out) {
        StringBuilder b = new StringBuilder();
        b.append("ent-sync ").append(ascii(r.instance, 60)).append(" run ").append(r.runId)
                .append(" mode ").append(ascii(r.mode, 30))
                .append(r.trigger == null ? "" : " (" + ascii(r.trigger, 20) + ")")
                .append(": ").append(ascii(r.outcome, 30).toUpperCase(Locale.ROOT))
                .append(" in ").append(r.endedAt > 0 ? Fmt.duration(r.startedAt, r.endedAt) : "-")
                .append(", exit ").append(r.exitCode)
                .append(", ").append(r.ldapEntriesRead).append(" LDAP entries read")
                .append(r.ldapEntriesFetched > 0 ? " (" + r.ldapEntriesFetched + " of them whole, their marker changed)" : "");
        out.println(b);
        if (r.error != null && !r.error.isEmpty()) out.println("  ERROR " + ascii(r.error, 400));
        for (var e : r.entities.entrySet()) {
            EntityReport x = e.getValue();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s", ascii(e.getKey(), 30)));
            for (EntityReport.Count c : EntityReport.Count.values()) {
                long n = x.get(c);
                // the main counters always, the others when they happened
                if (n > 0 || c == EntityReport.Count.created || c == EntityReport.Count.updated || c == EntityReport.Count.failed) {
                    line.append(' ').append(c.name()).append(' ').append(n).append(' ');
                }
            }
            out.println(line.toString().stripTrailing());
            if (!x.isExtractionComplete()) {
                out.println("  INCOMPLETE " + ascii(e.getKey(), 30) + " extraction: " + ascii(x.getExtractionError(), 400));
            }
        }
        int shown = 0;
        long total = 0;
        for (var e : r.entities.entrySet()) {
            total += e.getValue().get(EntityReport.Count.failed);
            for (EntityReport.Failure f : e.getValue().getFailures()) {
                if (shown >= MAX_FAILURES) break;
                shown++;
                String where = f.dn() != null && !f.dn().isEmpty() ? f.dn() : Fmt.nz(f.key());
                out.println("  FAILED " + ascii(where, MAX_TEXT)
                        + (f.field() == null || f.field().isEmpty() ? "" : " field " + ascii(f.field(), 60))
                        + ": " + ascii(f.reason(), MAX_TEXT));
            }
        }
        if (total > shown) out.println("  ... " + (total - shown) + " more failures in the report");
        for (var e : r.entities.entrySet()) {
            for (EntityReport.Guard g : e.getValue().getGuards()) {
                out.println("  GUARD " + ascii(e.getKey(), 30) + " " + ascii(g.decision(), 30) + ": " + ascii(g.reason(), 400));
            }
        }
        out.flush();
    }

    /** Accents dropped (e -> e), anything else outside printable ASCII shown as '?', long text cut. */
    static String ascii(String s, int max) {
        if (s == null) return "";
        String n = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(Math.min(n.length(), max + 3));
        for (int i = 0; i < n.length(); ) {
            if (b.length() >= max) {
                b.append("...");
                break;
            }
            int cp = n.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) == Character.NON_SPACING_MARK) continue;
            b.append(cp >= 0x20 && cp < 0x7f ? (char) cp : cp == '\n' || cp == '\t' ? ' ' : '?');
        }
        return b.toString();
    }
}
