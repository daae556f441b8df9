package org.entsync.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(salt.getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, List<String>> e : fields.entrySet()) {
            md.update((byte) 1);
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            for (String v : e.getValue()) {
                md.update((byte) 2);
                md.update(v.getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(md.digest(), 0, 20);
    }

    /** One digest per thread: looking SHA-256 up for every record cost a fifth of the hash. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });
}
