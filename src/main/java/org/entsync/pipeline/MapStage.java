package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.mapping.EntityMapping;
import org.entsync.mapping.MappedRecord;
import org.entsync.mapping.MappingError;
import org.entsync.mapping.MappingException;
import org.entsync.report.EntityReport;

import java.util.ArrayList;
import java.util.List;

/**
 * Map stage: applies the entity's mapping (extract / transcode / lookup / format) to a page. An entry that cannot be
 * mapped fails alone, with its DN, field and reason in the report; its key, when it can be read, still counts as seen
 * so that a broken entry never gets its Moodle account suspended.
 */
public final class MapStage {

    /** Maps a page with the source's primary mapping: people → users, structures → categories. */
    public MappedPage map(List<SearchResultEntry> page, @ExchangeProperty("run") RunContext run, @Header("source") String source) {
        long t0 = System.nanoTime();
        String entity = source.equals("structures") ? "categories" : "users";
        EntityMapping m = run.mapping(entity);
        EntityReport report = run.report(RunOptions.indexEntityOf(entity));
        List<MappedRecord> out = new ArrayList<>(page.size());
        List<SearchResultEntry> entries = new ArrayList<>(page.size());
        List<String> failedKeys = new ArrayList<>();
        List<SearchResultEntry> outOfScope = new ArrayList<>();
        List<SearchResultEntry> filtered = new ArrayList<>();
        for (SearchResultEntry e : page) {
            try {
                MappedRecord r = m.map(e, run.structures());
                if (!m.inScope(r, run.config().schools())) {
                    outOfScope.add(e);
                } else if (!m.included(r)) {
                    filtered.add(e);
                } else {
                    out.add(r);
                    entries.add(e);
                }
            } catch (MappingException ex) {
                String key = m.keyOf(e, run.structures());
                report.failure(e.getDN(), key, ex.field(), MappingError.safe(ex.value()), ex.getMessage());
                if (key != null) failedKeys.add(key);
            }
        }
        report.add(EntityReport.Count.outOfScope, outOfScope.size());
        report.add(EntityReport.Count.filtered, filtered.size());
        report.time("map", (System.nanoTime() - t0) / 1_000_000);
        return new MappedPage(out, entries, failedKeys, List.of(), outOfScope, filtered);
    }
}
