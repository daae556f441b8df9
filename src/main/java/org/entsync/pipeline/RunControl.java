package org.entsync.pipeline;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.entsync.moodle.InstanceLock;
import org.entsync.moodle.Sql;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.Outcome;
import org.entsync.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Opens and closes runs: each instance's lock and its row in {@code <prefix>entsync_run} (which gives the run id),
 * failures that take an instance out of the run, and the outcome.
 */
public final class RunControl {
    private static final Logger LOG = LoggerFactory.getLogger(RunControl.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Locks every instance and records the start of its run; an instance that cannot start is left out, not the others. */
    public void begin(@ExchangeProperty("farm") FarmRun farm) {
        for (RunContext run : farm.getRuns()) {
            try {
                run.lock(InstanceLock.acquire(run.target(), run.config().lockExpirySeconds()));
                run.report().milestone("lock taken");
            } catch (InstanceLock.Refused e) {
                run.report().lockRefused = e.getMessage();
                run.stop();
                LOG.warn("{}", e.getMessage());
                continue;
            } catch (SQLException e) {
                fail(run, e);
                continue;
            }
            try {
                start(run);
                run.report().milestone("run opened");
                findFresh(run);
                run.loadKnownPeople();
                run.report().milestone("index looked at");
            } catch (SQLException e) {
                fail(run, e);
            }
        }
    }

    /** The run's index entities that hold no row yet (a first sync): their probes skip what the run has not written. */
    private static void findFresh(RunContext run) throws SQLException {
        java.util.Set<String> entities = new java.util.LinkedHashSet<>();
        // users and categories, and the definitions cohorts and groups index under the entity's own name (roles: none)
        entities.addAll(run.options().entities());
        entities.remove("roles");
        if (run.getSources().contains("people")) entities.add(UnchangedPeople.ENTITY);
        try (Connection c = run.target().connection()) {
            run.target().index().findFresh(c, entities);
            c.rollback();
        }
    }

    private static void start(RunContext run) throws SQLException {
        TargetDatabase t = run.target();
        RunReport r = run.report();
        if (run.options().dryRun()) {
            // a dry run writes nothing, not even its history row: it borrows the next run id (removal candidates are
            // the rows last seen before it) and its report files get a name of their own
            try (Connection c = t.connection()) {
                run.runId(Sql.longValue(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM " + t.sql().t("entsync_run")));
                c.rollback();
            }
            LOG.info("dry run of instance {} started ({}, {}), as run {}", r.instance, r.mode, r.trigger, run.runId());
            return;
        }
        try (Connection c = t.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.sql().t("entsync_run") + " (instance, runtrigger, mode, timestart, outcome) VALUES (?, ?, ?, ?, ?)",
                     new String[]{"id"})) {
            Sql.bind(ps, r.instance, r.trigger, r.mode, r.startedAt / 1000, "running");
            ps.executeUpdate();
            long id;
            try (ResultSet keys = ps.getGeneratedKeys()) {
                id = keys.next() ? keys.getLong(1) : Sql.longValue(c, "SELECT MAX(id) FROM " + t.sql().t("entsync_run") + " WHERE instance = ?", r.instance);
            }
            t.index().retire(c, RETIRED_INDEX_ENTITIES);
            t.sql().commitBookkeeping(c);
            run.runId(id);
        }
        LOG.info("run {} of instance {} started ({}, {})", run.runId(), r.instance, r.mode, r.trigger);
    }

    /**
     * Index entities earlier versions kept for each person's memberships, assignments and class keys: those records
     * are now diffed against the rows themselves, and the rows an index of them left are deleted (an indexed range,
     * nothing to do once gone).
     */
    private static final List<String> RETIRED_INDEX_ENTITIES = List.of(org.entsync.moodle.CohortSink.MEMBERS, org.entsync.moodle.RoleSink.INDEX,
            org.entsync.moodle.GroupSink.KEYS);

    /** The LDAP sources of the run, in order (bean calls, not simple OGNL: Camel's caches would keep runs reachable). */
    public List<String> sources(@ExchangeProperty("farm") FarmRun farm) {
        return farm.getSources();
    }

    /** The instances still taking pages. */
    public List<RunContext> activeRuns(@ExchangeProperty("farm") FarmRun farm) {
        return farm.getActiveRuns();
    }

    /** Every instance of the run, for the reports. */
    public List<RunContext> runs(@ExchangeProperty("farm") FarmRun farm) {
        return farm.getRuns();
    }

    /** Whether this instance takes the current page: still running, and some of its entities come from this source. */
    public boolean takesPage(@ExchangeProperty("run") RunContext run, @Header("entities") List<String> entities) {
        return run.isActive() && !entities.isEmpty();
    }

    /** The entities of the current source this instance syncs, for the route's loops. */
    public List<String> entitiesOf(@ExchangeProperty("run") RunContext run, @Header("source") String source) {
        return run.entitiesOf(source);
    }

    /** Entities a source's page is mapped for first: users (people) and categories (structures). */
    public List<String> primaryEntities(@Header("entities") List<String> entities) {
        return entities.stream().filter(RunControl::primary).toList();
    }

    /** Entities derived from the primary one (cohorts, roles, groups): they need its Moodle ids. */
    public List<String> derivedEntities(@Header("entities") List<String> entities) {
        return entities.stream().filter(e -> !primary(e)).toList();
    }

    /** Users and categories; the others (cohorts, roles, groups) are derived from the people and keyed by them. */
    static boolean primary(String entity) {
        return entity.equals(org.entsync.moodle.UserSink.ENTITY) || entity.equals(org.entsync.moodle.CategorySink.ENTITY);
    }

    /**
     * Whether the derived entities of a batch are written by the derived writer, side by side, while the writer goes
     * on with the next batch's users: on PostgreSQL and MariaDB (InnoDB's next-key locks can make two writers wait
     * for each other on the shared index table or cache_flags: the database then rolls one back, and WriteStage
     * writes it again). Not on the embedded H2, which has no such concurrency to gain from.
     */
    public boolean writesInParallel(@ExchangeProperty("run") RunContext run, @Header("entities") List<String> entities) {
        return run.target().sql().dialect() != org.entsync.moodle.Dialect.H2 && !derivedEntities(entities).isEmpty();
    }

    /**
     * Hands a batch's derived entities (route direct:derived-of-batch) to the run's derived writer, so that this
     * thread maps and writes the next batch's users meanwhile (PostgreSQL: see {@link #writesInParallel}).
     */
    public void writeDerivedBehind(Exchange exchange, @ExchangeProperty("run") RunContext run) {
        run.derivedWriter(exchange).submit(exchange, exchange.getIn().getBody(), java.util.Map.of());
    }

    /** Sets the "entity" header from the loop index. */
    public void selectEntity(Exchange exchange, @Header("entities") List<String> entities) {
        int i = exchange.getProperty(Exchange.LOOP_INDEX, Integer.class);
        exchange.getIn().setHeader("entity", entities.get(i));
    }

    /** A failure that stops one instance (its database was lost...): recorded; the other instances go on. */
    public void failed(Exchange exchange, @ExchangeProperty("run") RunContext run) {
        fail(run, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    /** A failure of the shared directory read that stops every instance still running. */
    public void farmFailed(Exchange exchange, @ExchangeProperty("farm") FarmRun farm) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        farm.getActiveRuns().forEach(r -> fail(r, e));
    }

    static void fail(RunContext run, Throwable e) {
        Throwable root = e;
        while (root != null && root.getCause() != null && (root instanceof org.apache.camel.CamelExecutionException
                || root instanceof org.apache.camel.CamelExchangeException || root instanceof org.apache.camel.RuntimeCamelException)) {
            root = root.getCause();
        }
        String msg = root instanceof SQLException s ? "Moodle database: " + TargetDatabase.safeMessage(s) : String.valueOf(root == null ? null : root.getMessage());
        if (run.report().error == null) run.report().error = msg;
        run.stop();
        LOG.error("instance {} run {} failed: {}", run.report().instance, run.runId(), msg, root);
    }

    public void end(@ExchangeProperty("run") RunContext run) {
        run.finishWrites(); // a run that failed midway may still have a batch being written
        RunReport r = run.report();
        r.endedAt = System.currentTimeMillis();
        r.sqlBatches = run.target().batches();
        Outcome o = Outcome.of(r);
        r.outcome = o.label;
        r.exitCode = o.exitCode;
        try {
            if (run.runId() == 0 || run.options().dryRun()) return; // a dry run records nothing
            TargetDatabase t = run.target();
            try (Connection c = t.connection()) {
                Sql.update(c, "UPDATE " + t.sql().t("entsync_run") + " SET timeend = ?, outcome = ?, counts = ? WHERE id = ?",
                        r.endedAt / 1000, r.outcome, counts(r), run.runId());
                t.sql().commitBookkeeping(c);
                r.milestone("history recorded");
            } catch (SQLException e) {
                LOG.warn("could not record the end of run {}: {}", run.runId(), TargetDatabase.safeMessage(e));
            }
        } finally {
            if (run.lock() != null) run.lock().close();
        }
    }

    private static String counts(RunReport r) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        r.entities.forEach((k, v) -> m.put(k, v.getCounts()));
        try {
            return JSON.writeValueAsString(m);
        } catch (Exception e) {
            return "{}";
        }
    }
}
