package org.entsync.report;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long read: a log line every few seconds (entries done, rate, ETA when the expected total is known
 * from the last run) and, on an interactive terminal, a live bar on stderr.
 */
public final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private static final long LOG_EVERY_MS = 5_000;
    private final String what;
    private final java.util.concurrent.CompletableFuture<Long> expected;
    private final boolean bar = System.console() != null && !"true".equals(System.getenv("CI"));
    private final long started = System.currentTimeMillis();
    private long done;
    private long lastLog = started;

    /**
     * @param expected the total expected (e.g. what the last run read), 0 when unknown; asked on a thread of its own
     *                 (a count in the database) so that the read never waits for it
     */
    public Progress(String what, java.util.function.LongSupplier expected) {
        this.what = what;
        this.expected = java.util.concurrent.CompletableFuture.supplyAsync(expected::getAsLong);
    }

    private long expected() {
        return expected.isDone() && !expected.isCompletedExceptionally() ? expected.join() : 0;
    }

    public synchronized void add(long n) {
        done += n;
        long now = System.currentTimeMillis();
        double rate = done * 1000.0 / Math.max(1, now - started);
        if (bar) drawBar(System.err, rate);
        if (now - lastLog >= LOG_EVERY_MS) {
            lastLog = now;
            LOG.info(line(rate));
        }
    }

    public synchronized void finish() {
        if (bar) System.err.print("\r\033[K");
        if (System.currentTimeMillis() - started >= LOG_EVERY_MS) LOG.info(line(done * 1000.0 / Math.max(1, System.currentTimeMillis() - started)) + ", done");
    }

    String line(double rate) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: %d entries read (%.0f/s)", what, done, rate));
        long expected = expected();
        if (expected > done && rate > 0) b.append(String.format(Locale.ROOT, ", about %d s left", (long) ((expected - done) / rate)));
        return b.toString();
    }

    private void drawBar(PrintStream out, double rate) {
        int width = 30;
        long expected = expected();
        int filled = expected > 0 ? (int) Math.min(width, done * width / expected) : (int) (done / 500 % (width + 1));
        out.print("\r" + what + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line(rate).substring(what.length() + 2) + "\033[K");
    }
}
