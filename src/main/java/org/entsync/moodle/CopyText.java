package org.entsync.moodle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rows in PostgreSQL's COPY text format, encoded straight to UTF-8: columns separated by tabs, rows ended by a
 * newline, NULL as {@code \N}, and backslash, tab, newline and carriage return escaped with a backslash. Every
 * other character, control characters included, is sent as it is and stored exactly.
 */
final class CopyText {
    private byte[] buf = new byte[8192];
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
            ascii(v.toString());
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
