package org.entsync.ldap;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The structures of the directory, read first and kept in memory (a few thousand at most), so that any of the
 * reference dialects of sdet.md resolves: a DN whose RDN is the SIREN or the UAI, a bare UAI, a SIREN, or an AAF
 * join id (the part after '$' of ENTStructureJointure).
 */
public final class StructureDirectory {
    private static final Pattern UAI = Pattern.compile("\\d{7}[A-Za-z]");
    private static final Pattern SIREN = Pattern.compile("\\d{9}|\\d{14}");

    private final Map<String, Structure> byDn = new HashMap<>();
    private final Map<String, Structure> byUai = new HashMap<>();
    private final Map<String, Structure> bySiren = new HashMap<>();
    private final Map<String, Structure> byJointure = new HashMap<>();
    /** Normalized form of the DN strings people refer to: a handful of values repeated on every entry (hot path). */
    private final Map<String, String> normalized = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int NORMALIZED_CAP = 50_000;

    public void add(Entry e) {
        String name = first(e, "ENTStructureNomCourant", "ou", "cn");
        Structure s = new Structure(e.getDN(), upper(first(e, "ENTStructureUAI", "ENTEtablissementUAI")),
                first(e, "ENTStructureSIREN"), name, first(e, "ENTStructureTypeStruct"),
                e.hasAttribute("ENTStructureJointure") ? List.of(e.getAttributeValues("ENTStructureJointure")) : List.of());
        add(s);
    }

    public void add(Structure s) {
        byDn.put(normDn(s.dn()), s);
        if (s.uai() != null) byUai.put(s.uai().toUpperCase(Locale.ROOT), s);
        if (s.siren() != null) bySiren.put(s.siren(), s);
        for (String j : s.jointures()) {
            int i = j.lastIndexOf('$');
            byJointure.put(i >= 0 ? j.substring(i + 1) : j, s);
            byJointure.put(j.toUpperCase(Locale.ROOT), s);
        }
    }

    public int size() {
        return byDn.size();
    }

    /** Resolves a reference by the given method: auto, dn, uai, siren or jointure. Null when unknown. */
    public Structure resolve(String ref, String by) {
        if (ref == null || ref.isBlank()) return null;
        String v = ref.trim();
        switch (by == null ? "auto" : by) {
            case "dn":
                return byDnOrRdn(v);
            case "uai":
                return byUai.get(v.toUpperCase(Locale.ROOT));
            case "siren":
                return bySiren.get(v);
            case "jointure":
                return byJointure.getOrDefault(v, byJointure.get(v.toUpperCase(Locale.ROOT)));
            default:
                if (v.indexOf('=') > 0) return byDnOrRdn(v);
                if (UAI.matcher(v).matches()) return byUai.get(v.toUpperCase(Locale.ROOT));
                if (SIREN.matcher(v).matches() && bySiren.containsKey(v)) return bySiren.get(v);
                return byJointure.get(v);
        }
    }

    private Structure byDnOrRdn(String v) {
        String n = cachedNormDn(v);
        if (n == null) return null;
        Structure s = byDn.get(n);
        if (s != null) return s;
        try { // a DN from another branch or suffix: its RDN value may still be a UAI or a SIREN
            String rdnValue = new DN(v).getRDN().getAttributeValues()[0];
            return resolve(rdnValue, "auto");
        } catch (LDAPException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Splits a composite SDET value whose first component is a structure reference. A structure DN may itself
     * contain '$' (RDN made of a NomCourant), so known DNs are tried at each '$' position, shortest first.
     */
    public String[] splitComposite(String value, String separator) {
        String sep = separator == null ? "$" : separator;
        int first = value.indexOf(sep);
        if (first < 0) return new String[]{value};
        if (value.indexOf('=') > 0 && value.indexOf('=') < first) {
            int at = first;
            while (at >= 0) {
                String candidate = value.substring(0, at);
                if (byDn.containsKey(cachedNormDn(candidate))) {
                    String[] rest = splitPlain(value.substring(at + sep.length()), sep);
                    String[] out = new String[rest.length + 1];
                    out[0] = candidate;
                    System.arraycopy(rest, 0, out, 1, rest.length);
                    return out;
                }
                at = value.indexOf(sep, at + sep.length());
            }
        }
        return splitPlain(value, sep);
    }

    public static String[] splitPlain(String value, String sep) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = value.indexOf(sep, from)) >= 0) {
            parts.add(value.substring(from, at));
            from = at + sep.length();
        }
        parts.add(value.substring(from));
        return parts.toArray(new String[0]);
    }

    /** {@link #normDn} through a bounded cache; null for a value that is not a DN. */
    private String cachedNormDn(String dn) {
        String n = normalized.get(dn);
        if (n == null) {
            n = normDn(dn);
            if (normalized.size() < NORMALIZED_CAP) normalized.put(dn, n == null ? "" : n);
        }
        return n == null || n.isEmpty() ? null : n;
    }

    static String normDn(String dn) {
        try {
            return new DN(dn).toNormalizedString();
        } catch (LDAPException e) {
            return null;
        }
    }

    private static String first(Entry e, String... names) {
        for (String n : names) {
            String v = e.getAttributeValue(n);
            if (v != null && !v.isBlank()) return v.trim();
        }
        return null;
    }

    private static String upper(String s) {
        return s == null ? null : s.toUpperCase(Locale.ROOT);
    }
}
