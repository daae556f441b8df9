package org.entsync.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Small formatting helpers shared by the HTML report and the terminal summary. */
final class Fmt {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx", Locale.ROOT);
    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT);

    private Fmt() {
    }

    static String duration(long startedAt, long endedAt) {
        if (startedAt <= 0 || endedAt <= 0) return "-";
        return duration(Math.max(0, endedAt - startedAt));
    }

    /** 850 ms, 4.2 s, 2 min 05 s, 1 h 02 min. */
    static String duration(long ms) {
        if (ms < 1_000) return ms + " ms";
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    static String dateTime(long epochMillis) {
        if (epochMillis <= 0) return "-";
        return DATE_TIME.format(Instant.ofEpochMilli(epochMillis).atZone(ZoneId.systemDefault()));
    }

    static String shortDateTime(long epochMillis) {
        if (epochMillis <= 0) return "-";
        return SHORT.format(Instant.ofEpochMilli(epochMillis).atZone(ZoneId.systemDefault()));
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Characters that would be invisible or reorder the text around them: shown as \\uXXXX instead. */
    static boolean isSuspicious(int cp) {
        return cp < 0x20 && cp != '\n' && cp != '\t'
                || cp >= 0x7f && cp <= 0x9f
                || cp == 0x061c || cp == 0x200e || cp == 0x200f
                || cp >= 0x202a && cp <= 0x202e
                || cp >= 0x2066 && cp <= 0x2069
                || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff
                || cp >= 0xd800 && cp <= 0xdfff // unpaired surrogate (paired ones arrive as one code point)
                || cp == 0xfffe || cp == 0xffff;
    }
}
