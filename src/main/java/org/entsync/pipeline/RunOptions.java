package org.entsync.pipeline;

import java.util.List;

/** How a run was asked for: which entities, full or differential, dry run, removal override, trigger. */
public record RunOptions(List<String> entities, boolean full, boolean dryRun, boolean forceRemovals, String trigger) {
    /** Entities in the order they run: school categories first, then users, then what refers to users. */
    public static final List<String> ALL = List.of("categories", "users", "cohorts", "roles", "groups");

    /**
     * The entities asked for (by name, any order), in run order; all of them when none is named.
     *
     * @throws org.entsync.config.ConfigException naming the option for an unknown entity
     */
    public static List<String> select(List<String> asked, String option) {
        if (asked == null || asked.isEmpty()) return ALL;
        for (String e : asked) {
            if (!ALL.contains(e)) throw new org.entsync.config.ConfigException(option + ": unknown entity '" + e + "', expected some of " + ALL);
        }
        return ALL.stream().filter(asked::contains).toList();
    }

    public static RunOptions defaults() {
        return new RunOptions(ALL, false, false, false, "cli");
    }

    public String mode() {
        return dryRun ? (full ? "full-dry-run" : "dry-run") : full ? "full" : "differential";
    }

    /** The LDAP source an entity is derived from: structures (already read for lookups) or people. */
    public static String sourceOf(String entity) {
        return entity.equals("categories") ? "structures" : "people";
    }

    /**
     * The name under which an entity's records are reported: cohorts and roles report each person's set of
     * memberships / assignments (cohort definitions are indexed and reported as "cohorts"); groups report each
     * person's set of class/group keys ("class-keys"; Moodle groups are reported as "groups" and "group-members").
     * Users and categories are also indexed under their name; the per-person sets have no index rows.
     */
    public static String indexEntityOf(String entity) {
        return switch (entity) {
            case "cohorts" -> "cohort-members";
            case "roles" -> "role-assignments";
            case "groups" -> "class-keys";
            default -> entity;
        };
    }

    public RunOptions withEntities(List<String> e) {
        return new RunOptions(e, full, dryRun, forceRemovals, trigger);
    }
}
