package org.entsync.pipeline;

import org.entsync.config.SyncConfig;
import org.entsync.ldap.LdapConnector;
import org.entsync.ldap.StructureDirectory;
import org.entsync.mapping.EntityMapping;
import org.entsync.moodle.TargetDatabase;
import org.entsync.report.EntityReport;
import org.entsync.report.RunReport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything one run of one instance needs, carried through the routes as the exchange property "run", so that the
 * stage beans stay stateless and several instances can run side by side.
 */
public final class RunContext {
    private final SyncConfig config;
    private final RunOptions options;
    private final TargetDatabase target;
    private final LdapConnector ldap;
    private final Mappings mappings;
    private final RunReport report = new RunReport();
    private StructureDirectory structures = new StructureDirectory();
    private final Map<String, Object> sinks = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicLong> seen = new ConcurrentHashMap<>();
    private List<com.unboundid.ldap.sdk.SearchResultEntry> structureEntries = new java.util.ArrayList<>();
    private long runId;
    private volatile boolean stopped;
    private org.entsync.moodle.InstanceLock lock;

    public RunContext(SyncConfig config, RunOptions options, TargetDatabase target, LdapConnector ldap, Mappings mappings) {
        this.config = config;
        this.options = options;
        this.target = target;
        this.ldap = ldap;
        this.mappings = mappings;
        report.instance = config.instance();
        report.trigger = options.trigger();
        report.mode = options.mode();
        report.startedAt = System.currentTimeMillis();
    }

    /** The structures read once for the whole farm run. */
    void shareStructures(StructureDirectory directory, List<com.unboundid.ldap.sdk.SearchResultEntry> entries) {
        this.structures = directory;
        this.structureEntries = entries;
    }

    private String structuresFingerprint = "";
    private String peopleSalt;

    void structuresFingerprint(String f) {
        this.structuresFingerprint = f;
        this.peopleSalt = null;
    }

    /**
     * Everything the records derived from a person depend on besides the entry itself: the mapping files, the
     * settings they use, the structures and the entities of this run. Part of each person's fingerprint.
     */
    public synchronized String peopleSalt() {
        if (peopleSalt == null) {
            List<String> parts = new java.util.ArrayList<>();
            parts.add(String.join(",", new java.util.TreeSet<>(options.entities())));
            parts.add(structuresFingerprint);
            parts.add(String.join(",", config.schools()));
            if (mappings.users() != null) parts.add(mappings.users().salt());
            if (mappings.cohorts() != null) parts.add(mappings.cohorts().salt());
            if (mappings.roles() != null) parts.add(mappings.roles().salt());
            if (mappings.groups() != null) parts.add(mappings.groups().salt());
            peopleSalt = org.entsync.diff.EntryFingerprint.combine(parts);
        }
        return peopleSalt;
    }

    private java.util.concurrent.CompletableFuture<org.entsync.diff.KnownPeople> knownPeople;

    /**
     * Starts loading the people fingerprints the index holds and its active rows per entity (not for --full, which
     * skips nobody), on a thread of its own so that the load overlaps the read of the first LDAP pages.
     */
    void loadKnownPeople() {
        if (options.full()) return;
        knownPeople = new java.util.concurrent.CompletableFuture<>();
        SyncEngine.startDaemon("known-people-" + config.instance(), () -> {
            try (java.sql.Connection c = target.connection()) {
                beforeKnownPeopleLoad.accept(this);
                org.entsync.diff.KnownPeople known = target.index().knownPeople(c, UnchangedPeople.ENTITY);
                target.index().expectSeen(known.size(), runId);
                knownPeople.complete(known);
                report.milestone("people fingerprints loaded");
                c.rollback();
            } catch (Throwable e) {
                knownPeople.completeExceptionally(e);
            }
        });
        // beside the load, on a connection of its own: done before the first write of users (which waits for the
        // fingerprints), the users' count then serves the end of the run (SyncIndex.loadActiveCounts)
        SyncEngine.startDaemon("active-counts-" + config.instance(), () -> {
            try (java.sql.Connection c = target.connection()) {
                target.index().loadActiveCounts(c, runId);
                c.rollback();
            } catch (Throwable e) {
                // the counts are then only missing: queried when needed
            }
        });
    }

    /** People whose change marker changed, waiting to be read whole (differential read of markers only). */
    java.util.List<String> changedPeople = new java.util.ArrayList<>();

    /** Their reads whole under way on the farm's fetch thread, in the order asked; taken by the thread of the run's pages. */
    final java.util.ArrayDeque<java.util.concurrent.CompletableFuture<java.util.List<com.unboundid.ldap.sdk.SearchResultEntry>>> fetches = new java.util.ArrayDeque<>();

    /** A read whole failed: the people still waiting for one are synced by the next run. */
    void dropChangedPeople() {
        changedPeople.clear();
        fetches.clear();
    }

    /** Whether this run skips unchanged people at all (not --full). */
    boolean skipsUnchanged() {
        return knownPeople != null;
    }

    /** The people fingerprints loaded at the start of the run, or null while they are being loaded (and in --full). */
    org.entsync.diff.KnownPeople knownPeopleIfLoaded() throws java.sql.SQLException {
        if (knownPeople == null || !knownPeople.isDone()) return null;
        try {
            return knownPeople.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.sql.SQLException s) throw s;
            throw e;
        }
    }

    /** Tests only: runs on the load thread before the fingerprints are read, to hold their load back. */
    static volatile java.util.function.Consumer<RunContext> beforeKnownPeopleLoad = run -> {
    };

    /** Waits for the people fingerprints (only when {@link #skipsUnchanged}). */
    org.entsync.diff.KnownPeople awaitKnownPeople() throws java.sql.SQLException {
        try {
            knownPeople.join();
        } catch (java.util.concurrent.CompletionException e) {
            // thrown as the load's own error below
        }
        return knownPeopleIfLoaded();
    }

    private EarlyPages earlyPages;

    /**
     * Pages read before the fingerprints are loaded: up to 20 000 people as DN and marker (~150 bytes each),
     * 2 000 read whole (the read-ahead's own size).
     */
    EarlyPages earlyPages(boolean markersOnly) {
        if (earlyPages == null) earlyPages = new EarlyPages(markersOnly ? 20_000 : 2_000);
        return earlyPages;
    }

    /** DN hashes of the people read before the fingerprints were loaded, marked read once they are. */
    private long[] readEarly = new long[0];
    private int readEarlyCount;

    /**
     * Notes these people (DN hashes) as read in this run, changed or not, so that once the directory is read the
     * people who left it are counted in memory ({@link #departures}).
     */
    synchronized void markRead(long[] dnHashes, int n) throws java.sql.SQLException {
        org.entsync.diff.KnownPeople known = knownPeopleIfLoaded();
        if (known == null) {
            if (knownPeople == null) return; // --full: nobody is skipped, the index is asked
            if (readEarlyCount + n > readEarly.length) readEarly = java.util.Arrays.copyOf(readEarly, Math.max(2 * readEarly.length, readEarlyCount + n));
            System.arraycopy(dnHashes, 0, readEarly, readEarlyCount, n);
            readEarlyCount += n;
            return;
        }
        markReadEarly(known);
        for (int i = 0; i < n; i++) known.markRead(dnHashes[i]);
    }

    /** Marks the people read before the fingerprints were loaded (callers hold this run's lock). */
    private void markReadEarly(org.entsync.diff.KnownPeople known) {
        for (int i = 0; i < readEarlyCount; i++) known.markRead(readEarly[i]);
        readEarlyCount = 0;
        readEarly = new long[0];
    }

    /**
     * Once the people source is read completely: how many people the index knew at the start are no longer in the
     * directory, or -1 when it cannot be told in memory (--full, or a row the fingerprints could not hold exactly).
     */
    synchronized int departures() {
        if (knownPeople == null) return -1;
        try {
            org.entsync.diff.KnownPeople known = knownPeople.join();
            markReadEarly(known);
            return known.unread();
        } catch (java.util.concurrent.CompletionException e) {
            return -1;
        }
    }

    /** The DNs of the people known at the start and not read (null if unknown): see {@link org.entsync.diff.KnownPeople#unreadDns}. */
    private synchronized List<String> unreadDns() {
        if (knownPeople == null) return null;
        try {
            return knownPeople.join().unreadDns();
        } catch (java.util.concurrent.CompletionException e) {
            return null;
        }
    }

    /** People read but not mapped yet: changed people are gathered into write batches before they are written. */
    final PeopleBatch heldPeople = new PeopleBatch();

    private BatchWriter writer;
    private BatchWriter derivedWriter;

    /** The run's writer thread (started by the first batch). */
    synchronized BatchWriter writer(org.apache.camel.Exchange any) {
        if (writer == null) writer = new BatchWriter(this, any, "direct:map-and-write", "writer");
        return writer;
    }

    /** Removal candidates computed ahead, by index entity, with the entity's write count when they were. */
    private final Map<String, Ahead> unseenAhead = new ConcurrentHashMap<>();
    private boolean unseenStarted;

    private record Ahead(long writes, java.util.concurrent.CompletableFuture<List<org.entsync.diff.IndexRow>> rows) {
    }

    /**
     * Once per run, when the people source is read: the removal candidates of these index entities are computed on
     * two threads of their own, each scan on its own connection (read only), while the removal stages go through
     * the entities one by one (at 1 000 000 people the scans of the indexed entities took seconds one after the
     * other). When people left the directory, the rows of those the fingerprints name are read while the other
     * thread counts the users' rows; the users then first read the rows of the people who left, and are scanned
     * only if the count says that some other row is unseen too.
     */
    synchronized void computeUnseenAhead(java.util.Collection<String> entities) {
        if (unseenStarted) return;
        unseenStarted = true;
        gone = departures();
        java.util.concurrent.ExecutorService threads = SyncEngine.daemonPool(2, "entsync-unseen-" + config.instance());
        List<java.util.concurrent.CompletableFuture<?>> all = new java.util.ArrayList<>();
        java.util.concurrent.CompletableFuture<List<org.entsync.diff.IndexRow>> people = null;
        if (entities.contains(UnchangedPeople.ENTITY)) {
            // the people who left are named by the fingerprints loaded at the start: their rows are read by key,
            // not found by a scan of every person's row
            List<String> left = gone > 0 ? unreadDns() : null;
            people = left != null
                    ? readOnly(threads, c -> target.index().unseenOf(c, UnchangedPeople.ENTITY, runId, left))
                    : readOnly(threads, c -> unseenNow(c, UnchangedPeople.ENTITY));
            unseenAhead.put(UnchangedPeople.ENTITY, new Ahead(target.index().writeCount(UnchangedPeople.ENTITY), people));
            all.add(people);
        }
        boolean byDeparted = gone > 0 && people != null;
        if (byDeparted) all.add(readOnly(threads, c -> {
            target.index().countActive(c, org.entsync.moodle.UserSink.ENTITY, runId); // the users' count, beside the people's probe
            return List.of();
        }));
        for (String e : entities) {
            if (e.equals(UnchangedPeople.ENTITY)) continue;
            long writes = target.index().writeCount(e);
            java.util.concurrent.CompletableFuture<List<org.entsync.diff.IndexRow>> rows = byDeparted
                    ? people.thenCompose(left -> readOnly(threads, c -> target.index().unseenAmong(c, e, runId, recordKeys(left))))
                    : readOnly(threads, c -> unseenNow(c, e));
            unseenAhead.put(e, new Ahead(writes, rows));
            all.add(rows);
        }
        java.util.concurrent.CompletableFuture.allOf(all.toArray(new java.util.concurrent.CompletableFuture[0])).whenComplete((r, ex) -> threads.shutdown());
    }

    private interface IndexRead {
        List<org.entsync.diff.IndexRow> read(java.sql.Connection c) throws java.sql.SQLException;
    }

    /** A read of the index on a connection of its own, rolled back, on one of these threads. */
    private java.util.concurrent.CompletableFuture<List<org.entsync.diff.IndexRow>> readOnly(java.util.concurrent.ExecutorService threads, IndexRead read) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.sql.Connection c = target.connection()) {
                List<org.entsync.diff.IndexRow> rows = read.read(c);
                c.rollback();
                return rows;
            } catch (java.sql.SQLException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        }, threads);
    }

    /** The record keys of these people rows (people who left), markers of people without a record left out. */
    private static List<String> recordKeys(List<org.entsync.diff.IndexRow> people) {
        return people.stream().map(r -> org.entsync.diff.KnownPeople.recordKeyOf(r.hash())).filter(java.util.Objects::nonNull).toList();
    }

    /** The entity's removal candidates: those computed ahead if its index was not written since, else read now. */
    List<org.entsync.diff.IndexRow> unseen(java.sql.Connection c, String entity) throws java.sql.SQLException {
        Ahead a = unseenAhead.remove(entity);
        if (a != null) {
            try {
                List<org.entsync.diff.IndexRow> rows = a.rows().join();
                if (a.writes() == target.index().writeCount(entity)) return rows;
            } catch (java.util.concurrent.CompletionException e) {
                // read again below, on the caller's connection
            }
        }
        return unseenNow(c, entity);
    }

    /** {@link #departures} once the people are read (-1 until then: the index is asked). */
    private volatile int gone = -1;

    /**
     * The entity's removal candidates: none among the people when nobody the index knew left the directory (no
     * query); when people left, the keys are scanned without counting first (there are candidates).
     */
    private List<org.entsync.diff.IndexRow> unseenNow(java.sql.Connection c, String entity) throws java.sql.SQLException {
        if (gone == 0 && entity.equals(UnchangedPeople.ENTITY)) return new java.util.ArrayList<>();
        return target.index().unseen(c, entity, runId, gone > 0);
    }

    /** Whether the writer (and the derived writer behind it) has nothing to write: none started yet, or both idle. */
    synchronized boolean writerIdle() {
        return (writer == null || writer.idle()) && (derivedWriter == null || derivedWriter.idle());
    }

    /** The thread that writes the batches' derived entities behind the writer (PostgreSQL). */
    synchronized BatchWriter derivedWriter(org.apache.camel.Exchange any) {
        if (derivedWriter == null) derivedWriter = new BatchWriter(this, any, "direct:derived-of-batch", "derived");
        return derivedWriter;
    }

    /**
     * Waits for the batches still being written, the writer's first (it hands batches to the derived writer);
     * the end of the people source, and of the run whatever happened.
     */
    void finishWrites() {
        BatchWriter w;
        synchronized (this) {
            w = writer;
            writer = null;
        }
        if (w != null) w.finish();
        synchronized (this) {
            w = derivedWriter;
            derivedWriter = null;
        }
        if (w != null) w.finish();
    }

    /** Whether this run still takes pages: a run that failed, or could not get its lock, is left out. */
    public boolean isActive() {
        return !stopped;
    }

    void stop() {
        stopped = true;
    }

    org.entsync.moodle.InstanceLock lock() {
        return lock;
    }

    void lock(org.entsync.moodle.InstanceLock l) {
        this.lock = l;
    }

    /**
     * How many entries of a source the last run read, for progress ETAs: the people fingerprints the run loads
     * anyway, else (--full) the index's active users.
     */
    long expectedEntries(String source) {
        if (!source.equals("people")) return 0;
        if (knownPeople != null) {
            try {
                return knownPeople.join().size();
            } catch (java.util.concurrent.CompletionException e) {
                return 0;
            }
        }
        try (java.sql.Connection c = target.connection()) {
            return target.index().countActive(c, "users");
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }

    public SyncConfig config() {
        return config;
    }

    public RunOptions options() {
        return options;
    }

    public TargetDatabase target() {
        return target;
    }

    public LdapConnector ldap() {
        return ldap;
    }

    public EntityMapping mapping(String entity) {
        return mappings.entity(entity);
    }

    public Mappings mappings() {
        return mappings;
    }

    private org.entsync.moodle.CategoryDirectory categoryDirectory;

    /** Schools' categories and their contexts, cached for the run. */
    public synchronized org.entsync.moodle.CategoryDirectory categories() {
        if (categoryDirectory == null) categoryDirectory = new org.entsync.moodle.CategoryDirectory(target.sql());
        return categoryDirectory;
    }

    public RunReport report() {
        return report;
    }

    public EntityReport report(String entity) {
        return report.entity(entity);
    }

    public StructureDirectory structures() {
        return structures;
    }

    /** The entities of this run, in order. */
    public List<String> getEntities() {
        return options.entities();
    }

    /** The LDAP sources this run reads, in order; the routes split on it (each source is read once). */
    public List<String> getSources() {
        return options.entities().stream().map(RunOptions::sourceOf).distinct().toList();
    }

    /** The entities fed by one source, in run order. */
    public List<String> entitiesOf(String source) {
        return options.entities().stream().filter(e -> RunOptions.sourceOf(e).equals(source)).toList();
    }

    /** Structure entries as read, for the categories entity (structures are read once, for lookups). */
    public List<com.unboundid.ldap.sdk.SearchResultEntry> structureEntries() {
        return structureEntries;
    }

    public long runId() {
        return runId;
    }

    void runId(long id) {
        this.runId = id;
        report.runId = id;
    }

    @SuppressWarnings("unchecked")
    <T> T sink(String entity, java.util.function.Supplier<T> create) {
        return (T) sinks.computeIfAbsent(entity, e -> create.get());
    }

    /** Entries of this entity found in the directory and in scope (synced, unchanged or failed). */
    void addSeen(String entity, long n) {
        seen.computeIfAbsent(entity, e -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(n); // the read and the writer thread both count
    }

    long seen(String entity) {
        java.util.concurrent.atomic.AtomicLong s = seen.get(entity);
        return s == null ? 0 : s.get();
    }

    public long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
