package org.entsync.mapping;

/** Why one entry failed: the entry's DN, the field, the offending value (shown safely) and the reason. */
public record MappingError(String dn, String key, String field, String value, String reason) {

    /** Makes a value printable in a report: control characters escaped, length capped. */
    public static String safe(String v) {
        if (v == null) return null;
        StringBuilder b = new StringBuilder();
        v.codePoints().limit(120).forEach(cp -> {
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        if (v.codePointCount(0, v.length()) > 120) b.append("…(").append(v.length()).append(" chars)");
        return b.toString();
    }
}
