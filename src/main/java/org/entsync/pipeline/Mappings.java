package org.entsync.pipeline;

import org.entsync.config.ConfigException;
import org.entsync.config.SyncConfig;
import org.entsync.mapping.CohortMapping;
import org.entsync.mapping.EntityMapping;
import org.entsync.mapping.GroupMapping;
import org.entsync.mapping.MappingLoader;
import org.entsync.mapping.RoleMapping;
import org.entsync.moodle.UserSink;

import java.util.List;

/** The mapping files a run uses, loaded and checked at start-up. Users are always loaded for people-based entities. */
public record Mappings(EntityMapping users, EntityMapping categories, CohortMapping cohorts, RoleMapping roles, GroupMapping groups) {

    public static Mappings load(SyncConfig cfg, List<String> entities) {
        MappingLoader loader = new MappingLoader(cfg.mappingDir(), cfg.mappingProfile(), cfg.settings()::find, fingerprint(cfg));
        boolean people = entities.stream().anyMatch(e -> RunOptions.sourceOf(e).equals("people"));
        EntityMapping users = people ? checkUsers(loader.load("users")) : null;
        EntityMapping categories = entities.contains("categories") ? loader.load("categories") : null;
        CohortMapping cohorts = entities.contains("cohorts") ? CohortMapping.load(loader, cfg.owned().cohortYearPrefix()) : null;
        RoleMapping roles = entities.contains("roles") ? RoleMapping.load(loader, cfg.settings()::find) : null;
        GroupMapping groups = entities.contains("groups") ? GroupMapping.load(loader) : null;
        return new Mappings(users, categories, cohorts, roles, groups);
    }

    private static EntityMapping checkUsers(EntityMapping m) {
        m.columns().keySet().forEach(col -> {
            if (!UserSink.WRITABLE.contains(col)) {
                throw new ConfigException("mapping " + m.file() + ": write.columns." + col + ": ent-sync does not write this user column (allowed: "
                        + new java.util.TreeSet<>(UserSink.WRITABLE) + ")");
            }
        });
        if (!m.columns().containsKey("username")) throw new ConfigException("mapping " + m.file() + ": write.columns must include username");
        if (!m.spec().fields.containsKey("profiles") || !m.spec().fields.containsKey("schools")) {
            throw new ConfigException("mapping " + m.file() + ": fields profiles and schools are required (cohorts and roles use them)");
        }
        return m;
    }

    /** Settings that change what is written take part in every entry's hash: changing them re-syncs everything. */
    private static String fingerprint(SyncConfig cfg) {
        StringBuilder b = new StringBuilder();
        cfg.settings().describe().forEach((k, v) -> {
            if (k.startsWith("entsync.users.") || k.startsWith("entsync.cohorts.") || k.startsWith("entsync.roles.") || k.startsWith("entsync.groups.")
                    || k.startsWith("entsync.categories.") || k.equals("entsync.schools")) {
                b.append(k).append('=').append(v).append('\n');
            }
        });
        return Integer.toHexString(b.toString().hashCode());
    }

    public EntityMapping entity(String entity) {
        EntityMapping m = switch (entity) {
            case "users" -> users;
            case "categories" -> categories;
            default -> null;
        };
        if (m == null) throw new IllegalStateException("no field mapping for " + entity);
        return m;
    }
}
