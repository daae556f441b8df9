package org.entsync.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A text with {placeholders}; unknown names are reported when the mapping is loaded, not at run time. */
public final class Template {
    private final String source;
    private final List<String> literals = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    public Template(String source) {
        this.source = source;
        int from = 0;
        while (true) {
            int open = source.indexOf('{', from);
            if (open < 0) break;
            int close = source.indexOf('}', open);
            if (close < 0) throw new IllegalArgumentException("unclosed '{' in template '" + source + "'");
            literals.add(source.substring(from, open));
            names.add(source.substring(open + 1, close).trim());
            from = close + 1;
        }
        literals.add(source.substring(from));
    }

    public List<String> names() {
        return names;
    }

    /** Renders the template; returns null when a placeholder has no value, so the caller can fall back. */
    public String render(Function<String, String> resolver) {
        StringBuilder b = new StringBuilder(literals.get(0));
        for (int i = 0; i < names.size(); i++) {
            String v = resolver.apply(names.get(i));
            if (v == null) return null;
            b.append(v).append(literals.get(i + 1));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
