package org.entsync.pipeline;

import com.unboundid.ldap.sdk.SearchResultEntry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.ldap.LdapReadException;
import org.entsync.ldap.PagedSearch;
import org.entsync.mapping.EntityMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Read stage: structures into the lookup table, then each entity as a stream of LDAP pages. */
public final class ReadStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReadStage.class);

    /** Structures are few (thousands at most): read them whole, before anything that refers to them. */
    public void structures(@ExchangeProperty("run") RunContext run) {
        long t0 = System.currentTimeMillis();
        var cfg = run.config().ldap();
        try (PagedSearch pages = new PagedSearch(run.ldap(), "structures", cfg.structuresBase(), false, "(objectClass=ENTStructure)",
                structureAttributes(run), cfg.pageSize(), cfg.retries(), cfg.retryBackoffMs())) {
            while (pages.hasNext()) {
                for (SearchResultEntry e : pages.next()) {
                    run.structures().add(e);
                    run.structureEntries().add(e);
                }
            }
            run.report().ldapEntriesRead += pages.entriesRead();
        }
        if (run.structures().size() == 0) {
            throw new LdapReadException("structures: no ENTStructure entry under " + cfg.structuresBase()
                    + " (check entsync.ldap.structuresBase); nothing can be synced without them", null);
        }
        run.report("structures").add(org.entsync.report.EntityReport.Count.read, run.structures().size());
        run.report("structures").time("read", System.currentTimeMillis() - t0);
        LOG.info("{} structures read", run.structures().size());
    }

    private static String[] structureAttributes(RunContext run) {
        java.util.Set<String> a = new java.util.LinkedHashSet<>(List.of("objectClass", "ENTStructureUAI", "ENTEtablissementUAI", "ENTStructureSIREN",
                "ENTStructureNomCourant", "ou", "cn", "ENTStructureTypeStruct", "ENTStructureJointure"));
        if (run.mappings().categories() != null) a.addAll(run.mappings().categories().attributes());
        return a.toArray(new String[0]);
    }

    /**
     * The source's entries as an iterator of pages, consumed lazily by the streaming splitter of the route:
     * people are searched page by page; structures were read already and make one page.
     */
    public java.util.Iterator<List<SearchResultEntry>> pages(@ExchangeProperty("run") RunContext run, @Header("source") String source) {
        if (source.equals("structures")) return List.of(List.copyOf(run.structureEntries())).iterator();
        EntityMapping m = run.mapping("users");
        var cfg = run.config().ldap();
        return new PagedSearch(run.ldap(), source, m.sourceBase(), m.sourceOneLevel(), m.sourceFilter(),
                peopleAttributes(run.mappings()), cfg.pageSize(), cfg.retries(), cfg.retryBackoffMs());
    }

    /** The attributes one read of people asks for: what users, cohorts and roles read (the benchmark's floor asks the same). */
    public static String[] peopleAttributes(Mappings mappings) {
        java.util.Set<String> attrs = new java.util.LinkedHashSet<>(mappings.users().attributes());
        attrs.add("objectClass");
        if (mappings.cohorts() != null) attrs.addAll(mappings.cohorts().attributes());
        if (mappings.roles() != null) attrs.addAll(mappings.roles().attributes());
        return attrs.toArray(new String[0]);
    }

    /** A read that failed midway: what was read is kept, but removal is off for this entity. */
    public void extractionFailed(Exchange exchange, @ExchangeProperty("run") RunContext run, @Header("source") String source) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LdapReadException ldap = find(e);
        String msg = ldap != null ? ldap.getMessage() : String.valueOf(e);
        LOG.error("{}: extraction incomplete: {}", source, msg);
        for (String entity : run.entitiesOf(source)) run.report(RunOptions.indexEntityOf(entity)).extractionFailed(msg);
    }

    static LdapReadException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof LdapReadException l) return l;
        return null;
    }

    /** Counts pages for the report; the body stays the page. */
    public List<SearchResultEntry> count(List<SearchResultEntry> page, @ExchangeProperty("run") RunContext run, @Header("source") String source) {
        for (String entity : run.entitiesOf(source)) run.report(RunOptions.indexEntityOf(entity)).add(org.entsync.report.EntityReport.Count.read, page.size());
        if (!source.equals("structures")) {
            synchronized (run.report()) {
                run.report().ldapEntriesRead += page.size();
            }
        }
        return page;
    }
}
