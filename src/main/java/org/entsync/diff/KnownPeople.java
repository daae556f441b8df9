package org.entsync.diff;

/**
 * The people fingerprints of one instance as the index held them when the run started, in memory: DN → fingerprint
 * and key of the person's records, as 64-bit hashes ({@link SeenKeys#hash}) in open-addressing arrays (48 bytes per
 * person at most: 48 MB for a million). Loaded with one streamed query while the first LDAP page is read, it
 * replaces a probe of the index per page: a run where nothing changed then makes no query per page at all.
 * A 64-bit collision between two DNs cannot skip a changed person: the fingerprint covers the DN too.
 */
public final class KnownPeople {
    private long[] dns = new long[1 << 10];
    private long[] fingerprints = new long[1 << 10];
    private long[] records = new long[1 << 10];
    private int size;

    /**
     * Record keys of the people who map to no record of the instance: out of its schools, or left out by the
     * mapping's {@code include} (parents, when they are not synced). Remembered like the others, so that they are
     * skipped while unchanged instead of being mapped again every run (every person of the other schools, for an
     * instance of a farm). Never a real key: a username cannot contain '|'.
     */
    public static final String OUT_OF_SCOPE = "|out-of-scope";
    public static final String FILTERED = "|filtered";
    public static final long OUT_OF_SCOPE_RECORD = SeenKeys.hash(OUT_OF_SCOPE);
    public static final long FILTERED_RECORD = SeenKeys.hash(FILTERED);

    /** The index value of a person (entity {@code people}, key = DN in lower case): "fingerprint|record key". */
    public static String value(String fingerprint, String recordKey) {
        return fingerprint + "|" + recordKey;
    }

    /** The hash of the record key in a person's index {@link #value} written with exactly this fingerprint, else 0. */
    public static long recordIfUnchanged(String value, String fingerprint) {
        int bar = value.indexOf('|');
        return bar > 0 && value.substring(0, bar).equals(fingerprint) ? SeenKeys.hash(value.substring(bar + 1)) : 0;
    }

    /** Adds a person from an index row of entity {@code people}: key = DN (lower case), a {@link #value}. */
    public void add(String dn, String value) {
        int bar = value.indexOf('|');
        if (bar <= 0) return;
        if ((size + 1) * 2L > dns.length) grow();
        if (insert(dns, fingerprints, records, slotHash(dn), SeenKeys.hash(value.substring(0, bar)), SeenKeys.hash(value.substring(bar + 1)))) size++;
    }

    /**
     * The hash of the person's record key when this DN was last synced with exactly this fingerprint (so every
     * record derived from it is unchanged), else 0 (the odds that a real key hashes to 0 are 2^-64: it would only
     * be mapped again).
     */
    public long unchangedRecord(String dn, String fingerprint) {
        long h = slotHash(dn);
        int mask = dns.length - 1;
        for (int i = (int) (h ^ (h >>> 32)) & mask; ; i = (i + 1) & mask) {
            long v = dns[i];
            if (v == 0) return 0;
            if (v == h) return fingerprints[i] == SeenKeys.hash(fingerprint) ? records[i] : 0;
        }
    }

    public int size() {
        return size;
    }

    /** 0 marks an empty slot: a DN whose hash is 0 is stored as 1. */
    private static long slotHash(String dn) {
        long h = SeenKeys.hash(dn);
        return h == 0 ? 1 : h;
    }

    private static boolean insert(long[] keys, long[] fps, long[] recs, long h, long fp, long rec) {
        int mask = keys.length - 1;
        for (int i = (int) (h ^ (h >>> 32)) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == 0 || keys[i] == h) {
                boolean added = keys[i] == 0;
                keys[i] = h;
                fps[i] = fp;
                recs[i] = rec;
                return added;
            }
        }
    }

    private void grow() {
        long[] k = new long[dns.length * 2];
        long[] f = new long[k.length];
        long[] r = new long[k.length];
        for (int i = 0; i < dns.length; i++) if (dns[i] != 0) insert(k, f, r, dns[i], fingerprints[i], records[i]);
        dns = k;
        fingerprints = f;
        records = r;
    }
}
