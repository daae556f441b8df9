package org.entsync.diff;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import org.entsync.mapping.Digest;

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

    /**
     * Attributes are taken in the order the server returns them (stable for an unchanged entry; a reordering only
     * costs one more mapping), so nothing is sorted on this hot path. The bytes are gathered into one buffer and
     * digested with one update ({@link Digest}; every person read goes through here in every run).
     */
    public static String of(Entry e, String salt) {
        return of(e, salt, null);
    }

    /**
     * As {@link #of(Entry, String)}, leaving out the change marker attribute (entryCSN) if the entry came with it:
     * the marker changes with writes no mapping reads, and a fingerprint must not depend on whether it was asked for.
     */
    public static String of(Entry e, String salt, String markerAttribute) {
        Digest d = Digest.start().salt(salt).put((byte) 0).text(e.getDN());
        for (Attribute a : e.getAttributes()) {
            if (markerAttribute != null && a.getName().equalsIgnoreCase(markerAttribute)) continue;
            d.put((byte) 1).text(a.getName());
            for (ASN1OctetString v : a.getRawValues()) d.put((byte) 2).bytes(v.getValue()); // as read: no copy of the value array
        }
        return d.hex(LENGTH);
    }

    /** A hash of several strings (mapping salts, structure fingerprints...), for salts. */
    public static String combine(List<String> parts) {
        Digest d = Digest.start();
        for (String p : parts) d.text(String.valueOf(p)).put((byte) 0);
        return d.hex(32);
    }
}
