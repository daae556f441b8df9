package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.ldap.EntryFetcher;
import org.entsync.ldap.LdapReadException;
import org.entsync.ldap.PagedSearch;
import org.entsync.ldap.SourceQuery;
import org.entsync.mapping.EntityMapping;
import org.entsync.report.EntityReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Read stage: structures into the lookup table, then each source as a stream of LDAP pages, read once for every
 * instance of the run.
 */
public final class ReadStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReadStage.class);

    /** Structures are few (thousands at most): read them whole, before anything that refers to them. */
    public void structures(@ExchangeProperty("farm") FarmRun farm) {
        long t0 = System.currentTimeMillis();
        boolean peopleStarted = !farm.getSources().contains(PEOPLE);
        var cfg = farm.lead().config().ldap();
        Set<String> attrs = new LinkedHashSet<>(List.of("objectClass", "ENTStructureUAI", "ENTEtablissementUAI", "ENTStructureSIREN",
                "ENTStructureNomCourant", "ou", "cn", "ENTStructureTypeStruct", "ENTStructureJointure"));
        farm.getRuns().forEach(r -> {
            if (r.mappings().categories() != null) attrs.addAll(r.mappings().categories().attributes());
        });
        try (PagedSearch pages = new PagedSearch(farm.ldap(), SourceQuery.of("structures", cfg.structuresBase(), false, "(objectClass=ENTStructure)"),
                attrs.toArray(new String[0]), cfg.pageSize(), cfg.retries(), cfg.retryBackoffMs())) {
            while (pages.hasNext()) {
                List<SearchResultEntry> page = pages.next();
                // the directory answers: the people are read from now on, while the structures and the school
                // categories are processed (~30 ms of every run)
                if (!peopleStarted) {
                    startPeople(farm);
                    peopleStarted = true;
                }
                for (SearchResultEntry e : page) {
                    farm.structures().add(e);
                    farm.structureEntries().add(e);
                }
            }
            if (!peopleStarted) startPeople(farm);
            for (RunContext r : farm.getActiveRuns()) r.report().ldapEntriesRead += pages.entriesRead();
        }
        farm.structuresRead();
        if (farm.structures().size() == 0) {
            throw new LdapReadException("structures: no ENTStructure entry under " + cfg.structuresBase()
                    + " (check entsync.ldap.structuresBase); nothing can be synced without them", null);
        }
        for (RunContext r : farm.getActiveRuns()) {
            r.report("structures").add(EntityReport.Count.read, farm.structures().size());
            r.report("structures").time("read", System.currentTimeMillis() - t0);
            r.report().milestone("structures read");
        }
        LOG.info("{} structures read", farm.structures().size());
    }

    /**
     * The source's entries as an iterator of pages, consumed lazily by the streaming splitter of the route:
     * people are searched page by page with the attributes every instance needs; structures were read already
     * and make one page.
     */
    public Iterator<List<SearchResultEntry>> pages(@ExchangeProperty("farm") FarmRun farm, @Header("source") String source) {
        if (source.equals("structures")) return List.of(List.copyOf(farm.structureEntries())).iterator();
        PagedSearch started = farm.takeReadAhead(source);
        return started != null ? started : search(farm, source);
    }

    private static final String PEOPLE = "people";

    private static void startPeople(FarmRun farm) {
        farm.readAhead(PEOPLE, search(farm, PEOPLE).start());
    }

    private static PagedSearch search(FarmRun farm, String source) {
        RunContext lead = farm.getRuns().stream().filter(r -> r.mappings().users() != null).findFirst().orElse(farm.lead());
        EntityMapping m = lead.mapping("users");
        var cfg = lead.config().ldap();
        String[] attrs = peopleAttributes(farm.getRuns().stream().map(RunContext::mappings).toList());
        SourceQuery query = SourceQuery.of(source, m.sourceBase(), m.sourceOneLevel(), m.sourceFilter());
        String marker = farm.changeMarker();
        if (marker != null) {
            // asked for in every read, so that each person's marker is remembered with their fingerprint
            attrs = java.util.Arrays.copyOf(attrs, attrs.length + 1);
            attrs[attrs.length - 1] = marker;
            if (markersSuffice(farm)) {
                EntryFetcher fetcher = new EntryFetcher(farm.ldap(), query, attrs, cfg.retries());
                if (fetcher.returnsAttribute(marker)) {
                    farm.readPeopleMarkersOnly(fetcher);
                    LOG.info("{}: differential read: DN and {} of every entry, whole entries of those that changed", source, marker);
                    return new PagedSearch(farm.ldap(), query, new String[]{marker}, cfg.pageSize(), cfg.retries(), cfg.retryBackoffMs());
                }
                fetcher.close();
                LOG.info("{}: the directory returns no {} (entsync.ldap.changeMarker): every entry is read whole", source, marker);
            }
        }
        return new PagedSearch(farm.ldap(), query, attrs, cfg.pageSize(), cfg.retries(), cfg.retryBackoffMs());
    }

    /**
     * Markers are enough when every instance that reads the people skips the unchanged ones (not --full) and has
     * synced them before (its people fingerprints, with their markers, are being loaded).
     */
    private static boolean markersSuffice(FarmRun farm) {
        List<RunContext> readers = farm.getActiveRuns().stream().filter(r -> r.getSources().contains(PEOPLE)).toList();
        return !readers.isEmpty() && readers.stream().allMatch(r -> r.skipsUnchanged() && !r.target().index().fresh(UnchangedPeople.ENTITY));
    }

    /** A search started ahead and never read (the run failed before its source): its thread and connection go. */
    public void closeReadAhead(@ExchangeProperty("farm") FarmRun farm) {
        farm.closeReadAhead();
    }

    /** The attributes one read of people asks for: what every instance's entities read (the benchmark's floor asks the same). */
    public static String[] peopleAttributes(java.util.Collection<Mappings> all) {
        Set<String> attrs = new LinkedHashSet<>(List.of("objectClass"));
        for (Mappings m : all) {
            if (m.users() != null) attrs.addAll(m.users().attributes());
            if (m.cohorts() != null) attrs.addAll(m.cohorts().attributes());
            if (m.roles() != null) attrs.addAll(m.roles().attributes());
            if (m.groups() != null) attrs.addAll(m.groups().attributes());
        }
        return attrs.toArray(new String[0]);
    }

    public static String[] peopleAttributes(Mappings mappings) {
        return peopleAttributes(List.of(mappings));
    }

    /** The end of a source's read (for the progress line). */
    public void finished(@ExchangeProperty("farm") FarmRun farm, @Header("source") String source) {
        if (source.equals("structures")) return;
        farm.progress(source).finish();
        for (RunContext r : farm.getActiveRuns()) r.report().milestone(source + " read");
    }

    /** A read that failed midway: what was read is kept, but removal is off for the entities of that source. */
    public void extractionFailed(Exchange exchange, @ExchangeProperty("farm") FarmRun farm, @Header("source") String source) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LdapReadException ldap = find(e);
        String msg = ldap != null ? ldap.getMessage() : String.valueOf(e);
        LOG.error("{}: extraction incomplete: {}", source, msg);
        for (RunContext run : farm.getActiveRuns()) incomplete(run, source, msg);
    }

    /**
     * The whole entries of changed people could not be read for one instance (the directory went away between the
     * markers and the entries): as a failed read, what was written stays and removal is off; the people not read
     * are synced by the next run.
     */
    public void fetchFailed(Exchange exchange, @ExchangeProperty("run") RunContext run, @Header("source") String source) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LdapReadException ldap = find(e);
        fetchFailed(run, source, ldap != null ? ldap.getMessage() : String.valueOf(e));
    }

    static void fetchFailed(RunContext run, String source, String msg) {
        LOG.error("{} ({}): extraction incomplete: {}", source, run.config().instance(), msg);
        run.dropChangedPeople();
        incomplete(run, source, msg);
    }

    private static void incomplete(RunContext run, String source, String msg) {
        for (String entity : run.entitiesOf(source)) {
            run.report(RunOptions.indexEntityOf(entity)).extractionFailed(msg);
            if (entity.equals("cohorts")) run.report(org.entsync.moodle.CohortSink.DEFINITIONS).extractionFailed(msg);
        }
    }

    static LdapReadException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof LdapReadException l) return l;
        return null;
    }

    /** Counts a page for the reports of every instance still running; the body stays the page. */
    public List<SearchResultEntry> count(List<SearchResultEntry> page, @ExchangeProperty("farm") FarmRun farm, @Header("source") String source) {
        if (!source.equals("structures")) farm.progress(source).add(page.size());
        for (RunContext run : farm.getActiveRuns()) {
            for (String entity : run.entitiesOf(source)) run.report(RunOptions.indexEntityOf(entity)).add(EntityReport.Count.read, page.size());
            if (!source.equals("structures")) {
                synchronized (run.report()) {
                    run.report().ldapEntriesRead += page.size();
                }
            }
        }
        return page;
    }
}
