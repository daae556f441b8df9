package org.entsync.pipeline;

import java.util.List;

/** How a run was asked for: which entities, full or differential, dry run, removal override, trigger. */
public record RunOptions(List<String> entities, boolean full, boolean dryRun, boolean forceRemovals, String trigger) {
    /** Entities in the order they must run: lookups first, then what depends on users. */
    public static final List<String> ALL = List.of("users");

    public static RunOptions defaults() {
        return new RunOptions(ALL, false, false, false, "cli");
    }

    public String mode() {
        return dryRun ? (full ? "full-dry-run" : "dry-run") : full ? "full" : "differential";
    }
}
