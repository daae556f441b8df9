package org.entsync.diff;

/**
 * The people fingerprints of one instance as the index held them when the run started, in memory: DN → fingerprint,
 * key of the person's records and change marker, as 64-bit hashes ({@link SeenKeys#hash}) in open-addressing arrays
 * (64 bytes per person at most: 64 MB for a million), and the DNs themselves (~60 bytes a person). Loaded with one streamed query while the first LDAP page is read, it
 * replaces a probe of the index per page: a run where nothing changed then makes no query per page at all.
 * A 64-bit collision between two DNs cannot skip a changed person: the fingerprint covers the DN too.
 */
public final class KnownPeople {
    /** Slot i holds DN hash, fingerprint hash, record hash, marker at 4i..4i+3: one cache line per lookup, not four. */
    private long[] slots = new long[4 << 10];
    private int size;
    /** Rows that could not be held exactly (a value without its record key, two DNs with one hash): see {@link #unread}. */
    private int inexact;
    /**
     * The DNs themselves, UTF-8 in chunks of {@link #CHUNK} bytes, slot i's at {@code dnRefs[i]} (chunk, position,
     * length): ~50 bytes a person, so that the people who left are named without scanning every people row of the
     * index at the end of the run.
     */
    private long[] dnRefs = new long[slots.length / 4];
    private final java.util.List<byte[]> dnChunks = new java.util.ArrayList<>();
    private int chunkPos = CHUNK;
    private static final int CHUNK = 1 << 20;
    /** One bit per slot: the slot holds a person (so that the people not read are found without reading every slot). */
    private long[] held = new long[capacity() / 64];
    /** One bit per slot: the DN was read in this run (any person of the directory, changed or not). */
    private long[] read;
    private int readCount;

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

    /** The record key in a person's index {@link #value}; null for a person who maps to no record (or a bad value). */
    public static String recordKeyOf(String value) {
        int bar = value.indexOf('|');
        if (bar <= 0 || bar + 1 >= value.length()) return null;
        String key = value.substring(bar + 1);
        return key.startsWith("|") ? null : key;
    }

    /** The hash of the record key in a person's index {@link #value} written with exactly this fingerprint, else 0. */
    public static long recordIfUnchanged(String value, String fingerprint) {
        int bar = value.indexOf('|');
        return bar > 0 && value.substring(0, bar).equals(fingerprint) ? record(value) : 0;
    }

    /** The hash of the record key in a person's index {@link #value}, 0 for a bad value. */
    public static long record(String value) {
        int bar = value.indexOf('|');
        return bar > 0 ? SeenKeys.hash(value.substring(bar + 1)) : 0;
    }

    /** Adds a person from an index row of entity {@code people}: key = DN (lower case), a {@link #value}, no marker. */
    public void add(String dn, String value) {
        add(dn, value, 0);
    }

    /**
     * Adds a person from an index row of entity {@code people}: key = DN (lower case), a {@link #value}, and the
     * {@link #marker} of the entry's change marker when it was last synced (0: none known).
     */
    public void add(String dn, String value, long marker) {
        int bar = value.indexOf('|');
        if (bar <= 0) {
            inexact++;
            return;
        }
        if ((size + 1) * 2L > capacity()) grow();
        int i = insert(slots, slot(SeenKeys.hash(dn)), SeenKeys.hash(value.substring(0, bar)), record(value), marker);
        if (i >= 0) {
            size++;
            held[i >> 6] |= 1L << (i & 63);
            dnRefs[i] = store(dn);
        } else {
            inexact++;
        }
    }

    /** Notes that this DN (by its {@link SeenKeys#hash}) is in the directory now; a DN the index did not know is ignored. */
    public synchronized void markRead(long dnHash) {
        if (read == null) read = new long[(capacity() + 63) / 64];
        long h = slot(dnHash);
        long[] t = slots;
        int mask = t.length / 4 - 1;
        for (int i = index(h, mask); ; i = (i + 1) & mask) {
            long v = t[4 * i];
            if (v == 0) return;
            if (v == h) {
                long bit = 1L << (i & 63);
                if ((read[i >> 6] & bit) == 0) {
                    read[i >> 6] |= bit;
                    readCount++;
                }
                return;
            }
        }
    }

    /**
     * How many of the people the index held when the run began were not read ({@link #markRead}): once the
     * directory is read completely, exactly the people who left it. -1 when that cannot be told exactly (a row
     * this set could not hold): the caller then asks the index.
     */
    public synchronized int unread() {
        return inexact > 0 ? -1 : size - readCount;
    }

    /**
     * The hash of the person's record key when this DN was last synced with exactly this fingerprint (so every
     * record derived from it is unchanged), else 0 (the odds that a real key hashes to 0 are 2^-64: it would only
     * be mapped again).
     */
    public long unchangedRecord(String dn, String fingerprint) {
        return unchangedRecord(SeenKeys.hash(dn), SeenKeys.hash(fingerprint));
    }

    /** As {@link #unchangedRecord(String, String)}, by the {@link SeenKeys#hash} of the DN and of the fingerprint. */
    public long unchangedRecord(long dnHash, long fingerprintHash) {
        int i = find(dnHash);
        return i >= 0 && slots[4 * i + 1] == fingerprintHash ? slots[4 * i + 2] : 0;
    }

    /**
     * As {@link #unchangedRecord(long, long)}, by the {@link #marker} of the entry's change marker: the hash of the
     * person's record key when this DN was last synced with this marker, else 0 (also when no marker was known).
     */
    public long unchangedRecordByMarker(long dnHash, long marker) {
        if (marker == 0) return 0;
        int i = find(dnHash);
        return i >= 0 && slots[4 * i + 3] == marker ? slots[4 * i + 2] : 0;
    }

    /** The marker this DN was last synced with (0: none, or an unknown DN). */
    public long marker(long dnHash) {
        int i = find(dnHash);
        return i >= 0 ? slots[4 * i + 3] : 0;
    }

    /**
     * What a change marker's value ({@code entryCSN}) is remembered as: a 64-bit hash of it and the run's people salt,
     * so that a changed mapping makes every marker differ. Never 0 (0 = no marker).
     */
    public static long marker(String salt, String value) {
        long h = org.entsync.mapping.Digest.start().salt(salt).put((byte) 3).text(value).long64();
        return h == 0 ? 1 : h;
    }

    private int find(long dnHash) {
        long h = slot(dnHash);
        long[] t = slots;
        int mask = t.length / 4 - 1;
        for (int i = index(h, mask); ; i = (i + 1) & mask) {
            long v = t[4 * i];
            if (v == 0) return -1;
            if (v == h) return i;
        }
    }

    public int size() {
        return size;
    }

    private int capacity() {
        return slots.length / 4;
    }

    /** 0 marks an empty slot: a DN whose hash is 0 is stored as 1. */
    private static long slot(long dnHash) {
        return dnHash == 0 ? 1 : dnHash;
    }

    private static int index(long h, int mask) {
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The slot the DN hash now fills, or -1 when it was there already (its values are replaced). */
    private static int insert(long[] t, long h, long fp, long rec, long marker) {
        int mask = t.length / 4 - 1;
        for (int i = index(h, mask); ; i = (i + 1) & mask) {
            if (t[4 * i] == 0 || t[4 * i] == h) {
                boolean added = t[4 * i] == 0;
                t[4 * i] = h;
                t[4 * i + 1] = fp;
                t[4 * i + 2] = rec;
                t[4 * i + 3] = marker;
                return added ? i : -1;
            }
        }
    }

    private void grow() {
        if (read != null) throw new IllegalStateException("people added once the read began");
        long[] t = new long[slots.length * 2];
        long[] refs = new long[t.length / 4];
        long[] bits = new long[t.length / 4 / 64];
        for (int from = 0; from < capacity(); from += BLOCK) moveBlock(from, t, refs, bits);
        slots = t;
        dnRefs = refs;
        held = bits;
    }

    /**
     * Slots per call of {@link #moveBlock}. The launcher turns on-stack replacement off, so a loop in a method
     * called a few times per run ({@link #grow}) would run in the interpreter however long it is (~15 ms for
     * 100 000 people); the helper, called thousands of times, is compiled.
     */
    private static final int BLOCK = 256;

    /** Moves the people of slots [from, from + BLOCK) of the table into the larger one. */
    private void moveBlock(int from, long[] t, long[] refs, long[] bits) {
        int end = Math.min(capacity(), from + BLOCK);
        for (int i = from; i < end; i++) {
            if (slots[4 * i] == 0) continue;
            int j = insert(t, slots[4 * i], slots[4 * i + 1], slots[4 * i + 2], slots[4 * i + 3]);
            refs[j] = dnRefs[i];
            bits[j >> 6] |= 1L << (j & 63);
        }
    }

    /** Chunk (bits 36+), position (16-35) and length (0-15) of the DN's bytes. */
    private long store(String dn) {
        byte[] b = dn.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length > 0xffff) return -1;
        if (chunkPos + b.length > CHUNK) {
            dnChunks.add(new byte[Math.max(CHUNK, b.length)]);
            chunkPos = 0;
        }
        System.arraycopy(b, 0, dnChunks.get(dnChunks.size() - 1), chunkPos, b.length);
        long ref = ((long) (dnChunks.size() - 1) << 36) | ((long) chunkPos << 16) | b.length;
        chunkPos += b.length;
        return ref;
    }

    /**
     * The DNs (lower case, as the index keys them) of the people known at the start and not read in this run: once
     * the directory is read completely, the people who left it. Null when that cannot be told exactly ({@link #unread}
     * is -1): the caller then scans the index.
     */
    public synchronized java.util.List<String> unreadDns() {
        if (inexact > 0) return null;
        java.util.List<String> dns = new java.util.ArrayList<>();
        // word by word of the two bitmaps, not slot by slot: the slots are megabytes to read at the run's end
        for (int w = 0; w < held.length; w++) {
            for (long unread = held[w] & (read == null ? -1L : ~read[w]); unread != 0; unread &= unread - 1) {
                long ref = dnRefs[64 * w + Long.numberOfTrailingZeros(unread)];
                if (ref < 0) return null;
                byte[] chunk = dnChunks.get((int) (ref >>> 36));
                dns.add(new String(chunk, (int) ((ref >>> 16) & 0xfffff), (int) (ref & 0xffff), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return dns;
    }
}
