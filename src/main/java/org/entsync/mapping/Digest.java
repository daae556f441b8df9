package org.entsync.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * SHA-256 of bytes gathered into one reusable buffer per thread and digested with one update: the hashes of every
 * entry read and of every record mapped (dozens of small updates each took several times as long as the digest
 * itself, and {@code String.getBytes} made garbage for every value). The same bytes in the same order give the same
 * hash as updating piece by piece.
 */
public final class Digest {
    private static final ThreadLocal<Digest> PER_THREAD = ThreadLocal.withInitial(Digest::new);

    private final MessageDigest sha;
    private byte[] data = new byte[4096];
    private int size;
    private String salt;
    private byte[] saltBytes;

    private Digest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This thread's digest, empty. Not reentrant: one hash at a time per thread. */
    public static Digest start() {
        Digest d = PER_THREAD.get();
        d.size = 0;
        return d;
    }

    /** The UTF-8 bytes of a salt (the same few salts come back for a whole run: encoded once each time it changes). */
    public Digest salt(String s) {
        if (!s.equals(salt)) {
            saltBytes = s.getBytes(StandardCharsets.UTF_8);
            salt = s;
        }
        return bytes(saltBytes);
    }

    public Digest put(byte v) {
        room(1);
        data[size++] = v;
        return this;
    }

    public Digest bytes(byte[] v) {
        room(v.length);
        System.arraycopy(v, 0, data, size, v.length);
        size += v.length;
        return this;
    }

    /** UTF-8, ASCII written char by char (names, DNs and most values are). */
    public Digest text(String t) {
        int n = t.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            if (c >= 0x80) return bytes(t.substring(i).getBytes(StandardCharsets.UTF_8));
            data[size++] = (byte) c;
        }
        return this;
    }

    /** The first {@code hexDigits} hex digits of the SHA-256 of what was gathered. */
    public String hex(int hexDigits) {
        return HexFormat.of().formatHex(digest(), 0, hexDigits / 2);
    }

    /** The first 64 bits of the SHA-256 of what was gathered. */
    public long long64() {
        byte[] d = digest();
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (d[i] & 0xff);
        return v;
    }

    private byte[] digest() {
        sha.reset();
        sha.update(data, 0, size);
        return sha.digest();
    }

    private void room(int n) {
        if (size + n > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
    }
}
