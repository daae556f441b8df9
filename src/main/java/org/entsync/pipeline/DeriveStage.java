package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.mapping.CohortMapping;
import org.entsync.mapping.GroupMapping;
import org.entsync.mapping.MappedRecord;
import org.entsync.mapping.RoleMapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Derives an entity's records from a source page already mapped by its primary mapping, so that the directory is
 * read once for users, cohorts and roles: users and categories are the page itself; cohorts are each person's
 * memberships (plus the cohorts they define); roles are each person's assignments; groups are each person's class
 * keys (classes/groups they are a student of, and those they teach).
 */
public final class DeriveStage {

    public MappedPage derive(MappedPage page, @ExchangeProperty("run") RunContext run, @Header("entity") String entity) {
        long t0 = System.nanoTime();
        MappedPage out = switch (entity) {
            case "users", "categories" -> page;
            case "cohorts" -> cohorts(page, run);
            case "roles" -> roles(page, run);
            case "groups" -> groups(page, run);
            default -> throw new IllegalStateException("unknown entity " + entity);
        };
        run.report(RunOptions.indexEntityOf(entity)).time("map", (System.nanoTime() - t0) / 1_000_000);
        return out;
    }

    private static MappedPage cohorts(MappedPage page, RunContext run) {
        CohortMapping m = run.mappings().cohorts();
        List<MappedRecord> memberships = new ArrayList<>(page.records().size());
        Map<String, MappedRecord> definitions = new LinkedHashMap<>();
        for (int i = 0; i < page.records().size(); i++) {
            MappedRecord user = page.records().get(i);
            SearchResultEntry entry = page.entries().get(i);
            List<CohortMapping.Cohort> cohorts = m.cohortsOf(entry, user, user.values("profiles"), run.structures(), run.config().schools());
            cohorts.forEach(c -> definitions.computeIfAbsent(c.idnumber(), k -> m.definition(c)));
            memberships.add(m.membership(user.key(), user.dn(), cohorts));
        }
        return page.withRecords(memberships, new ArrayList<>(definitions.values()));
    }

    /** Each person's class keys: the classes/groups they belong to as a student and those they teach. */
    private static MappedPage groups(MappedPage page, RunContext run) {
        GroupMapping m = run.mappings().groups();
        List<MappedRecord> out = new ArrayList<>(page.records().size());
        for (int i = 0; i < page.records().size(); i++) {
            MappedRecord user = page.records().get(i);
            out.add(m.keysOf(page.entries().get(i), user, user.values("profiles"), run.structures(), run.config().schools()));
        }
        return page.withRecords(out, List.of());
    }

    private static MappedPage roles(MappedPage page, RunContext run) {
        RoleMapping m = run.mappings().roles();
        List<MappedRecord> out = new ArrayList<>(page.records().size());
        for (int i = 0; i < page.records().size(); i++) {
            MappedRecord user = page.records().get(i);
            out.add(m.assignmentsOf(page.entries().get(i), user, user.values("profiles"), user.values("schools"), run.structures(), run.config().schools()));
        }
        return page.withRecords(out, List.of());
    }
}
