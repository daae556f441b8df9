package org.entsync.diff;

import java.nio.charset.StandardCharsets;

/**
 * The keys of one entity that a run saw unchanged, kept in memory instead of an UPDATE of their index rows: a set
 * of 64-bit key hashes (open addressing, 16 bytes per key at most: 16 MB for a million people). Two different keys
 * with the same 64-bit hash (odds about n / 2^64 per key) would only make the removal of one of them wait for the
 * next run, never remove anything that was seen.
 */
public final class SeenKeys {
    private long[] table = new long[1024];
    private int size;
    private boolean hasZero;
    private volatile boolean others;

    public SeenKeys() {
    }

    /** A set sized for about this many keys, so that filling it never rehashes. */
    public SeenKeys(int expected) {
        table = new long[capacityFor(expected)];
    }

    /** Makes room for about this many keys at once (one rehash instead of one per doubling). */
    public synchronized void expect(int keys) {
        int cap = capacityFor(keys);
        if (cap <= table.length) return;
        long[] t = new long[cap];
        for (long v : table) if (v != 0) insert(t, v);
        table = t;
    }

    /** A power of two at least twice the keys (the table is kept at most half full). */
    static int capacityFor(int keys) {
        int cap = 1024;
        while (cap < keys * 2L && cap < (1 << 30)) cap <<= 1;
        return cap;
    }

    /** Adds a key; true when it was not there yet. */
    public boolean add(String key) {
        return addHash(hash(key));
    }

    /** Adds a key by its {@link #hash} (computed once, e.g. when the index was loaded). */
    public synchronized boolean addHash(long h) {
        if (h == 0) {
            boolean added = !hasZero;
            hasZero = true;
            if (added) size++;
            return added;
        }
        if ((size + 1) * 2L > table.length) grow();
        if (!insert(table, h)) return false;
        size++;
        return true;
    }

    public synchronized boolean contains(String key) {
        long h = hash(key);
        if (h == 0) return hasZero;
        int mask = table.length - 1;
        for (int i = (int) (h ^ (h >>> 32)) & mask; ; i = (i + 1) & mask) {
            long v = table[i];
            if (v == 0) return false;
            if (v == h) return true;
        }
    }

    /** Keys of another kind (failed entries) were added: the set is not only unchanged active rows. */
    public void markOthers() {
        others = true;
    }

    public boolean hasOthers() {
        return others;
    }

    public synchronized int size() {
        return size;
    }

    private static boolean insert(long[] t, long h) {
        int mask = t.length - 1;
        for (int i = (int) (h ^ (h >>> 32)) & mask; ; i = (i + 1) & mask) {
            long v = t[i];
            if (v == 0) {
                t[i] = h;
                return true;
            }
            if (v == h) return false;
        }
    }

    private void grow() {
        long[] t = new long[table.length * 2];
        for (long v : table) if (v != 0) insert(t, v);
        table = t;
    }

    /**
     * FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finalizer. ASCII keys (DNs, usernames, hex
     * fingerprints: nearly all) are hashed from their chars, with the same result and no byte array (five hashes per
     * person read in every run).
     */
    public static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        int n = key.length();
        int i = 0;
        for (; i < n; i++) {
            char ch = key.charAt(i);
            if (ch >= 0x80) break;
            h ^= ch;
            h *= 0x100000001b3L;
        }
        if (i < n) {
            for (byte b : key.substring(i).getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override
    public synchronized String toString() {
        return "SeenKeys[" + size + "]";
    }
}
