package org.entsync.moodle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rows in PostgreSQL's COPY text format, encoded straight to UTF-8: columns separated by tabs, rows ended by a
 * newline, NULL as {@code \N}, and backslash, tab, newline and carriage return escaped with a backslash. Every
 * other character, control characters included, is sent as it is and stored exactly.
 */
final class CopyText {
    private static final ThreadLocal<CopyText> PER_THREAD = ThreadLocal.withInitial(CopyText::new);

    /** This thread's buffer, empty: it is flushed at ~64 KiB, so it stays that size instead of growing anew for every statement. */
    static CopyText start() {
        CopyText t = PER_THREAD.get();
        t.clear();
        return t;
    }

    private byte[] buf = new byte[1 << 17];
    private int len;
    private boolean rowStarted;

    void row(Object[] values) {
        for (Object v : values) value(v);
        endRow();
    }

    int length() {
        return len;
    }

    byte[] bytes() {
        return buf;
    }

    void clear() {
        len = 0;
        rowStarted = false;
    }

    private void value(Object v) {
        if (rowStarted) put((byte) '\t');
        rowStarted = true;
        if (v == null) {
            ascii("\\N");
        } else if (v instanceof String s) {
            text(s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            digits(((Number) v).longValue());
        } else if (v instanceof Boolean b) {
            ascii(b ? "t" : "f");
        } else {
            throw new IllegalArgumentException("no COPY text form for a " + v.getClass().getName());
        }
    }

    private void endRow() {
        put((byte) '\n');
        rowStarted = false;
    }

    private void text(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80) { // the rare value outside ASCII: the rest of it encoded by the JDK
                escaped(s.substring(i));
                return;
            }
            switch (ch) {
                case '\\' -> ascii("\\\\");
                case '\t' -> ascii("\\t");
                case '\n' -> ascii("\\n");
                case '\r' -> ascii("\\r");
                default -> buf[len++] = (byte) ch;
            }
        }
    }

    private void escaped(String s) {
        String e = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
        byte[] b = e.getBytes(StandardCharsets.UTF_8);
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    /** A number's decimal digits, written without a String (a first sync writes millions of ids). */
    private void digits(long v) {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v > 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
    }

    private void put(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void ensure(int more) {
        if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
}
