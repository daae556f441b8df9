package org.entsync.mapping;

import java.util.List;
import java.util.Map;

/** An entry after mapping: its key, its fields (each a list of values) and the hash of them all. */
public record MappedRecord(String dn, String key, Map<String, List<String>> fields, String hash) {

    public String value(String field) {
        List<String> v = fields.get(field);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public List<String> values(String field) {
        List<String> v = fields.get(field);
        return v == null ? List.of() : v;
    }

    /** SHA-256 over the fields in declared order plus a salt naming the mapping and the settings it used. */
    public static String hash(String salt, Map<String, List<String>> fields) {
        Digest d = Digest.start().salt(salt);
        for (Map.Entry<String, List<String>> e : fields.entrySet()) {
            d.put((byte) 1).text(e.getKey());
            for (String v : e.getValue()) d.put((byte) 2).text(v);
        }
        return d.hex(40);
    }
}
