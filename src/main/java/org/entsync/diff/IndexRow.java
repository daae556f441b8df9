package org.entsync.diff;

/** What ent-sync remembers of one synced entry: its content hash, its Moodle id and whether it is active. */
public record IndexRow(String key, String hash, long moodleId, String state, long lastSeen) {
    public static final String ACTIVE = "active";
    public static final String SUSPENDED = "suspended";
    public static final String KEPT = "kept";

    public boolean active() {
        return ACTIVE.equals(state);
    }
}
