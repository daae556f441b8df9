package org.entsync.diff;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A hash of an LDAP entry as read (its DN and every attribute it came with, names case-insensitive, values in
 * order) with a salt naming everything its mapping depends on. Equal fingerprints mean mapping it again would give
 * the same records, so an unchanged person is skipped before any mapping work.
 */
public final class EntryFingerprint {
    /** Hex digits kept: 96 bits. */
    public static final int LENGTH = 24;

    private EntryFingerprint() {
    }

    private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    });

    /**
     * Attributes are taken in the order the server returns them (stable for an unchanged entry; a reordering only
     * costs one more mapping), so nothing is sorted or copied on this hot path.
     */
    public static String of(Entry e, String salt) {
        MessageDigest md = SHA.get();
        md.reset();
        md.update(salt.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(e.getDN().getBytes(StandardCharsets.UTF_8));
        for (Attribute a : e.getAttributes()) {
            md.update((byte) 1);
            md.update(a.getName().getBytes(StandardCharsets.UTF_8));
            for (byte[] v : a.getValueByteArrays()) {
                md.update((byte) 2);
                md.update(v);
            }
        }
        return HexFormat.of().formatHex(md.digest(), 0, LENGTH / 2);
    }

    /** A hash of several strings (mapping salts, structure fingerprints...), for salts. */
    public static String combine(List<String> parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
