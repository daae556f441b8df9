package org.entsync.diff;

/**
 * Decides whether removals may go ahead. A directory that answered half (incomplete read), nothing at all, or an
 * answer that would remove more than the allowed share is far more likely a directory problem than a mass exodus.
 */
public final class RemovalGuard {
    public record Decision(boolean allowed, String reason) {
    }

    private RemovalGuard() {
    }

    public static Decision decide(boolean extractionComplete, long seen, long candidates, long active, double maxShare, boolean force) {
        if (candidates == 0) return new Decision(true, "nothing to remove");
        if (!extractionComplete) return new Decision(false, "the LDAP extraction was incomplete: nothing is removed (even with --force-removals)");
        if (seen == 0) {
            return force ? new Decision(true, "the directory returned no entry; removing all " + candidates + " because of --force-removals")
                    : new Decision(false, "the directory returned no entry at all: refusing to remove " + candidates + " (use --force-removals if this is really intended)");
        }
        double share = active == 0 ? 1.0 : (double) candidates / active;
        if (share > maxShare && !force) {
            return new Decision(false, String.format(java.util.Locale.ROOT,
                    "%d of %d (%.1f %%) would be removed, above entsync.removal.maxShare (%.1f %%): refusing (use --force-removals to override)",
                    candidates, active, share * 100, maxShare * 100));
        }
        return new Decision(true, String.format(java.util.Locale.ROOT, "%d of %d (%.1f %%) to remove%s", candidates, active, share * 100,
                share > maxShare ? ", allowed by --force-removals" : ""));
    }
}
