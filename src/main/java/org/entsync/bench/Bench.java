package org.entsync.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import com.zaxxer.hikari.HikariDataSource;
import org.entsync.config.Settings;
import org.entsync.config.SyncConfig;
import org.entsync.generator.GeneratedDirectory;
import org.entsync.generator.GeneratorOptions;
import org.entsync.generator.SdetGenerator;
import org.entsync.mapping.EntityMapping;
import org.entsync.moodle.Dialect;
import org.entsync.moodle.Sql;
import org.entsync.pipeline.Mappings;
import org.entsync.pipeline.ReadStage;
import org.entsync.pipeline.RunOptions;
import org.entsync.pipeline.SyncEngine;
import org.entsync.pipeline.SyncService;
import org.entsync.report.EntityReport;
import org.entsync.report.RunReport;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * ent-sync against the physical floor on the same data (issue 8): a generated SDET directory loaded into a real
 * slapd, an empty Moodle schema on the chosen database, then
 * <ol>
 *   <li>the read floor: a plain RFC 2696 paged read of all the people with the attributes the sync asks for
 *       (on a connection with ent-sync's own read options)
 *       (UnboundID, no processing; run twice, the faster counts: the first one also warms the JIT);</li>
 *   <li>the first sync of the chosen entities (all by default) through the real routes, in process;</li>
 *   <li>the insert floor: the user, user-context, cohort-member and role-assignment rows the first sync wrote
 *       (their values, or as many made-up rows: {@link FloorValues}), inserted into a scratch copy of those tables
 *       (same schema, prefix {@code fl_}) with prepared statements, batches of one page, one transaction per batch,
 *       on a pool with the sync's settings;</li>
 *   <li>a second run with no change, a run after a share of the people changed in LDAP (given names, classes,
 *       a few removals within the guard), and a {@code --full} run with no change.</li>
 * </ol>
 * Each time is given as a ratio to its floor: first and --full runs ÷ (read + insert floor), no-change and
 * changed runs ÷ read floor. The no-change and changed runs are made {@code repeat} times, each right after a read
 * floor of its own (the machine's speed varies from one minute to the next), and the first sync with its insert
 * floor {@code firstRepeat} times, each into an empty Moodle of its own (the first in a fresh JVM, as a command-line
 * run; the next ones warm, as in a daemon): the table gives the run whose ratio is the median (with its insert
 * floor), the JSON every pair, in the order they ran. Peak heap is the largest heap in use sampled every 10 ms during the phase.
 */
public final class Bench {
    static final String SUFFIX = GeneratorOptions.DEFAULT_SUFFIX;
    static final String FLOOR_PREFIX = "fl_";

    public record Options(int people, int schoolSize, long seed, BenchDatabase.Server server, Path workDir, Path out,
                          int pageSize, double changeShare, Map<String, String> settings, boolean keep, int repeat, int firstRepeat,
                          List<String> entities, FloorValues floorValues) {
        public int schools() {
            return Math.max(1, Math.round((float) people / schoolSize));
        }

        public int peoplePerSchool() {
            return Math.max(1, people / schools());
        }
    }

    /** The values the insert floor writes: the first sync's own rows, or made-up ones (the floor of earlier versions). */
    public enum FloorValues { DIRECTORY, SYNTHETIC }

    /** One line of the table. ratio = millis ÷ floorMillis (null for the floors themselves). */
    public record Phase(String name, long millis, long entries, double entriesPerSecond, long rowsWritten, long changes,
                        long peakHeapMb, long gcMillis, Cpu cpu, String floor, Double ratio, String outcome) {
    }

    /**
     * CPU time a phase took, in ms: the whole JVM (ent-sync or the floor's client, its JIT compilers and GC
     * included), of which its JIT compiler threads (a fresh JVM compiles ent-sync's code during the first sync), the local
     * database and slapd processes ({@link ProcessCpu}; -1 when not measurable, e.g. H2 inside the JVM). Two cores
     * give 2 000 ms of CPU per second of wall time: when the sum comes near it, the phase is CPU-bound.
     */
    public record Cpu(long jvm, long jit, long database, long ldap) {
    }

    public record Result(Map<String, Object> setup, List<Phase> phases, Map<String, Long> firstSyncRows, Map<String, Object> changesApplied,
                         Map<String, List<Paired>> repeats) {
    }

    /** The first sync's phase name: the first of them runs in the bench's fresh JVM, as a command-line run does. */
    static final String FIRST_SYNC = "sync 1: first (full)";

    /**
     * One repetition of a measured run: its floor (a differential run's read floor, taken right before it; a first
     * sync's read floor plus the insert floor taken right after it), the run, their ratio.
     */
    public record Paired(long floorMillis, long millis, double ratio) {
    }

    private final Options o;
    private final PrintStream log;
    private final List<Phase> phases = new ArrayList<>();
    private final Map<String, Object> setup = new LinkedHashMap<>();

    public Bench(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    public Result run() throws Exception {
        Files.createDirectories(o.workDir());
        setup.put("people", o.people());
        setup.put("schools", o.schools());
        setup.put("peoplePerSchool", o.peoplePerSchool());
        setup.put("database", o.server().dialect().name().toLowerCase(Locale.ROOT));
        setup.put("pageSize", o.pageSize());
        setup.put("entities", o.entities());
        setup.put("floorValues", o.floorValues().name().toLowerCase(Locale.ROOT));
        setup.put("cores", Runtime.getRuntime().availableProcessors());
        setup.put("maxHeapMb", Runtime.getRuntime().maxMemory() >> 20);
        setup.put("java", System.getProperty("java.version"));
        setup.put("loadAverageAtStart", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        long t0 = System.nanoTime();
        Path ldif = o.workDir().resolve("directory.ldif");
        GeneratedDirectory dir = SdetGenerator.writeLdif(new GeneratorOptions(o.schools(), o.peoplePerSchool(), o.seed(), SUFFIX), ldif);
        setup.put("generateMs", ms(t0));
        log.printf("generated %d people in %d schools (%s) in %d ms%n", dir.people(), dir.schools().size(), dir.profileCounts(), ms(t0));
        if (System.getProperty("entsync.slapd.maxsize") == null) {
            System.setProperty("entsync.slapd.maxsize", String.valueOf(Math.max(1L << 30, dir.people() * 16_384L)));
        }
        t0 = System.nanoTime();
        try (BenchDirectory slapd = BenchDirectory.start(o.workDir().resolve("slapd"), SUFFIX, ldif, BenchDirectory.DEFAULT_SIZE_LIMIT, null)) {
            setup.put("slapaddMs", ms(t0));
            log.printf("slapadd + slapd on %s in %d ms%n", slapd.url(), ms(t0));
            t0 = System.nanoTime();
            try (BenchDatabase db = BenchDatabase.create(o.server(), o.workDir())) {
                db.keep(o.keep());
                setup.put("databaseName", db.name());
                setup.put("jdbcUrl", db.jdbcUrl());
                log.printf("Moodle schema installed in %s in %d ms%n", db.name(), ms(t0));
                return measure(slapd, db);
            }
        } finally {
            setup.put("loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private Result measure(BenchDirectory slapd, BenchDatabase db) throws Exception {
        SyncConfig cfg = config(slapd, db);
        List<String> entities = o.entities();
        Mappings mappings = Mappings.load(cfg, entities);
        String[] attrs = ReadStage.peopleAttributes(mappings);
        EntityMapping users = mappings.users();
        setup.put("attributes", List.of(attrs));

        Phase read1 = readFloor(slapd, users, attrs, "read floor (cold)");
        Phase read2 = readFloor(slapd, users, attrs, "read floor");
        Phase read = read2.millis() <= read1.millis() ? read2 : read1;
        phases.add(new Phase("floor: LDAP paged read", read.millis(), read.entries(), read.entriesPerSecond(), 0, 0, read.peakHeapMb(),
                read.gcMillis(), read.cpu(), null, null, "best of 2"));

        long t0 = System.nanoTime();
        try (SyncEngine engine = new SyncEngine(Path.of("routes"))) {
            setup.put("camelStartMs", ms(t0));
            Map<String, List<Paired>> repeats = new LinkedHashMap<>();
            // not --full: a first sync is a differential run into an empty Moodle
            RunOptions differential = new RunOptions(entities, false, false, false, "bench");
            // a first sync needs an empty Moodle: the repetitions before the last one run on databases of their own,
            // dropped right after; the last one runs on db, which the runs below go on with
            List<Phase[]> firsts = new ArrayList<>();
            for (int i = 1; i < o.firstRepeat(); i++) {
                try (BenchDatabase scratch = BenchDatabase.create(o.server(), o.workDir())) {
                    firsts.add(firstSyncAndInsertFloor(engine, config(slapd, scratch), scratch, differential, new LinkedHashMap<>()));
                }
            }
            Map<String, Long> written = new LinkedHashMap<>();
            firsts.add(firstSyncAndInsertFloor(engine, cfg, db, differential, written));
            Phase[] firstPair = median(firsts, "read+insert", read.millis(), repeats);
            phases.add(firstPair[0]);
            phases.add(firstPair[1]);
            long floorFull = read.millis() + firstPair[0].millis();

            List<Phase[]> same = new ArrayList<>();
            for (int i = 0; i < o.repeat(); i++) {
                Phase floor = readFloor(slapd, users, attrs, "read floor");
                same.add(new Phase[]{floor, sync(engine, cfg, "sync 2: no change", differential, db)});
            }
            phases.add(median(same, "read", 0, repeats)[1]);

            Map<String, Object> changes = null;
            List<Phase[]> changed = new ArrayList<>();
            for (int i = 0; i < o.repeat(); i++) {
                changes = changePeople(slapd, users);
                Phase floor = readFloor(slapd, users, attrs, "read floor");
                changed.add(new Phase[]{floor, sync(engine, cfg, String.format(Locale.ROOT, "sync 3: %s %% changed", fmtShare(o.changeShare())), differential, db)});
            }
            phases.add(median(changed, "read", 0, repeats)[1]);

            Phase full = sync(engine, cfg, "sync 4: --full, no change", new RunOptions(entities, true, false, false, "bench"), db);
            phases.add(withRatio(full, "read+insert", floorFull));
            return new Result(setup, phases, written, changes, repeats);
        }
    }

    /** The first sync into db's empty Moodle, then the insert floor of as many rows as it wrote (put in written): {insert floor, sync}. */
    private Phase[] firstSyncAndInsertFloor(SyncEngine engine, SyncConfig cfg, BenchDatabase db, RunOptions options, Map<String, Long> written)
            throws SQLException, InterruptedException, IOException {
        Phase first = sync(engine, cfg, FIRST_SYNC, options, db, written);
        return new Phase[]{insertFloor(db, written), first};
    }

    /**
     * The (floor, run) pair whose ratio is the median (the lower one of an even count), the run given its ratio to
     * its floor's time plus {@code otherFloorMillis}; each pair recorded in repeats.
     */
    private Phase[] median(List<Phase[]> pairs, String floorName, long otherFloorMillis, Map<String, List<Paired>> repeats) {
        List<Phase[]> rated = new ArrayList<>();
        List<Paired> recorded = new ArrayList<>();
        for (Phase[] p : pairs) {
            long floorMillis = otherFloorMillis + p[0].millis();
            Phase r = withRatio(p[1], pairs.size() == 1 ? floorName : floorName + ", median", floorMillis);
            rated.add(new Phase[]{p[0], r});
            recorded.add(new Paired(floorMillis, p[1].millis(), r.ratio() == null ? 0 : r.ratio()));
        }
        repeats.put(pairs.get(0)[1].name(), recorded);
        rated.sort(java.util.Comparator.comparingDouble(p -> p[1].ratio() == null ? 0 : p[1].ratio()));
        Phase[] m = rated.get((rated.size() - 1) / 2);
        if (pairs.size() > 1) {
            log.printf("%s: ratios %s, median %.2f%n", m[1].name(), rated.stream().map(p -> String.valueOf(p[1].ratio())).toList(), m[1].ratio());
        }
        return m;
    }

    private static String fmtShare(double share) {
        double pct = share * 100;
        return pct == Math.rint(pct) ? String.valueOf((long) pct) : String.valueOf(pct);
    }

    private static Phase withRatio(Phase p, String floor, long floorMillis) {
        return new Phase(p.name(), p.millis(), p.entries(), p.entriesPerSecond(), p.rowsWritten(), p.changes(), p.peakHeapMb(), p.gcMillis(), p.cpu(),
                floor, floorMillis == 0 ? null : Math.round(100.0 * p.millis() / floorMillis) / 100.0, p.outcome());
    }

    private SyncConfig config(BenchDirectory slapd, BenchDatabase db) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("entsync.instance", "bench");
        m.put("entsync.ldap.url", slapd.url());
        m.put("entsync.ldap.bindDn", slapd.bindDn());
        m.put("entsync.ldap.password", slapd.password());
        m.put("entsync.ldap.baseDn", SUFFIX);
        m.put("entsync.ldap.peopleBase", "ou=people," + SUFFIX);
        m.put("entsync.ldap.structuresBase", "ou=structures," + SUFFIX);
        m.put("entsync.ldap.groupsBase", "ou=groups," + SUFFIX);
        m.put("entsync.ldap.pageSize", String.valueOf(o.pageSize()));
        m.put("entsync.moodle.jdbcUrl", db.jdbcUrl());
        m.put("entsync.moodle.user", db.user());
        m.put("entsync.moodle.password", db.password());
        m.put("entsync.moodle.prefix", BenchDatabase.PREFIX);
        m.put("entsync.moodle.createSchema", "never");
        m.put("entsync.report.dir", o.workDir().resolve("reports").toString());
        m.put("entsync.report.retentionDays", "0");
        m.putAll(o.settings());
        return SyncConfig.from(Settings.defaultsWith(m));
    }

    // ------------------------------------------------------------------------------------------ floors

    private Phase readFloor(BenchDirectory slapd, EntityMapping users, String[] attrs, String name) throws LDAPException {
        PhaseWatch heap = watch();
        long t0 = System.nanoTime();
        long n = 0;
        try (LDAPConnection c = slapd.connect(org.entsync.ldap.LdapConnector.bulkReadOptions())) {
            ASN1OctetString cookie = null;
            do {
                SearchRequest req = new SearchRequest(users.sourceBase(), users.sourceOneLevel() ? SearchScope.ONE : SearchScope.SUB,
                        users.sourceFilter(), attrs);
                req.addControl(new SimplePagedResultsControl(o.pageSize(), cookie, true));
                SearchResult res = c.search(req);
                n += res.getEntryCount();
                SimplePagedResultsControl resp = SimplePagedResultsControl.get(res);
                cookie = resp == null ? null : resp.getCookie();
            } while (cookie != null && cookie.getValueLength() > 0);
        }
        long millis = ms(t0);
        Cpu cpu = heap.cpu();
        log.printf("%s: %d ms, cpu s: jvm (jit) db ldap %s%n", name, millis, cpu(cpu));
        return new Phase(name, millis, n, perSecond(n, millis), 0, 0, heap.peakMb(), heap.gcMillis(), cpu, null, null, "ok");
    }

    /** {@link BenchDatabase#checkpoint} before a phase that writes; whether it could is noted once in the setup. */
    private void checkpoint(BenchDatabase db) {
        boolean done = db.checkpoint();
        if (setup.putIfAbsent("checkpointBeforeWrites", done) == null && !done && db.dialect() == Dialect.POSTGRESQL) {
            log.println("no CHECKPOINT before the phases (the database user may not): a checkpoint may fall on any of them");
        }
    }

    private Map<String, Long> counts(BenchDatabase db) throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        try (HikariDataSource ds = db.dataSource(1); Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("user", "context", "cohort", "cohort_members", "role_assignments", "user_info_data", "cache_flags",
                    "course_categories", "entsync_index", "entsync_usercohorts")) {
                String where = t.equals("context") ? " WHERE contextlevel = 30" : "";
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + BenchDatabase.PREFIX + t + where)) {
                    rs.next();
                    m.put(t.equals("context") ? "context(user)" : t, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            if (!e.getMessage().toLowerCase(Locale.ROOT).contains("entsync")) throw e;
        }
        return m;
    }

    /**
     * Inserts as many user, user-context, cohort-member and role-assignment rows as the first sync wrote into the
     * scratch copy of the schema: plain prepared statements, batches of one page, one transaction per batch. With
     * {@link FloorValues#DIRECTORY} the rows are the first sync's own, copied to files under the work folder before
     * the clock starts (the same values cost the database the same to index); with {@link FloorValues#SYNTHETIC},
     * made-up values ({@code f17<i>}, {@code Prénom<i>}...: keys that mostly climb, cheaper to index).
     */
    private Phase insertFloor(BenchDatabase db, Map<String, Long> written) throws SQLException, InterruptedException, IOException {
        db.install(FLOOR_PREFIX);
        boolean directory = o.floorValues() == FloorValues.DIRECTORY;
        Map<FloorTable, Path> files = new LinkedHashMap<>();
        long rows = 0;
        try {
            int batch = o.pageSize();
            long now = System.currentTimeMillis() / 1000;
            StringBuilder perTable = new StringBuilder();
            PhaseWatch heap;
            long t0;
            try (HikariDataSource ds = db.dataSource(1); Connection c = ds.getConnection()) {
                for (FloorTable t : FloorTable.ALL) {
                    long n = written.getOrDefault(t.countKey(), 0L);
                    rows += n;
                    if (directory) files.put(t, copySyncedRows(c, t, n));
                }
                c.setAutoCommit(false);
                checkpoint(db);
                heap = watch();
                t0 = System.nanoTime();
                for (FloorTable t : FloorTable.ALL) {
                    long n = written.getOrDefault(t.countKey(), 0L);
                    long tableStart = System.nanoTime();
                    if (directory) {
                        try (RowFile.Reader synced = new RowFile.Reader(files.get(t), t.columns().size())) {
                            batches(c, t.insertSql(FLOOR_PREFIX), n, batch, (ps, i) -> synced.bindNext(ps));
                        }
                    } else {
                        batches(c, t.insertSql(FLOOR_PREFIX), n, batch, (ps, i) -> Sql.bind(ps, t.synthetic().row(i, now)));
                    }
                    perTable.append(perTable.isEmpty() ? "" : ", ").append(t.table()).append(' ').append(ms(tableStart));
                }
            }
            long millis = ms(t0);
            long peak = heap.peakMb();
            long gc = heap.gcMillis();
            Thread.sleep(300); // as after a sync: the pool's backend exits, and its CPU is counted in the postmaster's
            Cpu cpu = heap.cpu();
            log.printf("floor: batched insert (%s values): %d ms (%s), cpu s: jvm (jit) db ldap %s%n", directory ? "the first sync's" : "made-up",
                    millis, perTable, cpu(cpu));
            return new Phase("floor: batched insert", millis, rows, perSecond(rows, millis), rows, 0, peak, gc, cpu, null, null,
                    FloorTable.ALL.stream().map(t -> written.getOrDefault(t.countKey(), 0L) + " " + t.noun())
                            .collect(Collectors.joining(", ")) + (directory ? "" : ", synthetic values"));
        } finally {
            for (Path f : files.values()) Files.deleteIfExists(f);
        }
    }

    /** The n rows of t the first sync wrote (the last ones by id), copied to a file of the work folder; streamed, not held. */
    private Path copySyncedRows(Connection c, FloorTable t, long n) throws SQLException, IOException {
        long there;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(t.countSql(BenchDatabase.PREFIX))) {
            rs.next();
            there = rs.getLong(1);
        }
        Path file = o.workDir().resolve("floor-" + t.table() + ".rows");
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false); // PostgreSQL streams a result with a fetch size only inside a transaction
        try (PreparedStatement ps = c.prepareStatement(t.selectSql(BenchDatabase.PREFIX))) {
            ps.setFetchSize(1000);
            ps.setLong(1, n);
            ps.setLong(2, Math.max(0, there - n));
            try (ResultSet rs = ps.executeQuery()) {
                long copied = RowFile.write(rs, file);
                if (copied != n) throw new IllegalStateException(t.table() + ": " + copied + " rows of the first sync found, " + n + " written");
            }
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
        return file;
    }

    private interface Binder {
        void bind(PreparedStatement ps, long i) throws SQLException;
    }

    private static void batches(Connection c, String sql, long n, int batch, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int inBatch = 0;
            for (long i = 0; i < n; i++) {
                binder.bind(ps, i);
                ps.addBatch();
                if (++inBatch == batch) {
                    ps.executeBatch();
                    c.commit();
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                ps.executeBatch();
                c.commit();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ ent-sync

    private Phase sync(SyncEngine engine, SyncConfig cfg, String name, RunOptions options, BenchDatabase db) throws SQLException, InterruptedException {
        return sync(engine, cfg, name, options, db, new LinkedHashMap<>());
    }

    /** As above, putting the change of each table's row count into {@code counted} (what a first sync wrote). */
    private Phase sync(SyncEngine engine, SyncConfig cfg, String name, RunOptions options, BenchDatabase db, Map<String, Long> counted)
            throws SQLException, InterruptedException {
        System.gc();
        Map<String, Long> before = counts(db);
        checkpoint(db);
        PhaseWatch heap = watch();
        long t0 = System.nanoTime();
        long wallStart = System.currentTimeMillis();
        RunReport r;
        try (SyncService service = new SyncService(engine)) {
            r = service.run(service.prepare(cfg, options));
        }
        long millis = ms(t0);
        long peak = heap.peakMb();
        long gc = heap.gcMillis();
        Thread.sleep(300); // the run closed its pool: its database backends exit and are reaped (their CPU goes to the postmaster)
        Cpu cpu = heap.cpu();
        Map<String, Long> after = counts(db);
        after.forEach((k, v) -> counted.put(k, v - before.getOrDefault(k, 0L)));
        long rows = 0;
        for (long change : counted.values()) rows += Math.abs(change);
        // updates do not change row counts: one row per updated, revived or suspended entry
        for (EntityReport er : r.entities.values()) {
            rows += er.get(EntityReport.Count.updated) + er.get(EntityReport.Count.revived) + er.get(EntityReport.Count.suspended);
        }
        long entries = r.ldapEntriesRead;
        log.printf("%s: %d ms, %d entries, %d changes, peak heap %d MB, gc %d ms, outcome %s, cpu s: jvm (jit) db ldap %s%n", name, millis, entries, r.totalChanges(), peak, gc,
                r.outcome, cpu(cpu));
        if (r.error != null) log.println("  error: " + r.error);
        StringBuilder stages = new StringBuilder();
        r.entities.forEach((k, v) -> stages.append(k).append(' ').append(v.getStageMillis()).append("; "));
        log.println("  stage ms: " + stages);
        log.println("  timeline ms: " + r.timeline + " (run object made " + (r.startedAt - wallStart) + " ms after the phase began)");
        return new Phase(name, millis, entries, perSecond(entries, millis), rows, r.totalChanges(), peak, gc, cpu, null, null, r.outcome);
    }

    /**
     * Changes a share of the people in LDAP: every k-th person (k = 1/share) gets a new given name, one in four of
     * those that are students moves to another class of the same school, and one in 21 is deleted.
     */
    private Map<String, Object> changePeople(BenchDirectory slapd, EntityMapping users) throws LDAPException {
        int every = (int) Math.max(1, Math.round(1 / o.changeShare()));
        long t0 = System.nanoTime();
        Map<String, List<String>> classesBySchool = new HashMap<>();
        List<SearchResultEntry> picked = new ArrayList<>();
        long seen = 0;
        try (LDAPConnection c = slapd.connect()) {
            ASN1OctetString cookie = null;
            do {
                SearchRequest req = new SearchRequest(users.sourceBase(), SearchScope.SUB, "(objectClass=ENTPerson)", "uid", "objectClass", "ENTEleveClasses", "givenName");
                req.addControl(new SimplePagedResultsControl(1000, cookie, true));
                SearchResult res = c.search(req);
                for (SearchResultEntry e : res.getSearchEntries()) {
                    String[] classes = e.getAttributeValues("ENTEleveClasses");
                    if (classes != null) {
                        for (String v : classes) {
                            List<String> l = classesBySchool.computeIfAbsent(v.substring(0, v.indexOf('$')), k -> new ArrayList<>());
                            if (!l.contains(v)) l.add(v);
                        }
                    }
                    if (seen++ % every == every / 2) picked.add(e);
                }
                SimplePagedResultsControl resp = SimplePagedResultsControl.get(res);
                cookie = resp == null ? null : resp.getCookie();
            } while (cookie != null && cookie.getValueLength() > 0);
            int renamed = 0;
            int moved = 0;
            int deleted = 0;
            int students = 0;
            for (int i = 0; i < picked.size(); i++) {
                SearchResultEntry e = picked.get(i);
                // one in 21, not 20: the people picked sit at the same 20 places of every school (students first, then
                // teachers, staff, parents), so one in 20 deleted the same place everywhere, a parent, whom no instance
                // syncs; one in 21 walks through the places and deletes students, teachers and staff as well
                if (i % 21 == 20) {
                    c.delete(e.getDN());
                    deleted++;
                    continue;
                }
                List<Modification> mods = new ArrayList<>();
                mods.add(new Modification(ModificationType.REPLACE, "givenName", e.getAttributeValue("givenName") + "-Bis"));
                renamed++;
                String[] classes = e.getAttributeValues("ENTEleveClasses");
                if (classes != null && classes.length > 0 && students++ % 4 == 0) {
                    String current = classes[0];
                    List<String> options = classesBySchool.get(current.substring(0, current.indexOf('$')));
                    String other = options.get((options.indexOf(current) + 1) % options.size());
                    if (!other.equals(current)) {
                        mods.add(new Modification(ModificationType.REPLACE, "ENTEleveClasses", other));
                        moved++;
                    }
                }
                c.modify(e.getDN(), mods);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peopleSeen", seen);
            m.put("changedEntries", picked.size());
            m.put("givenNameChanged", renamed);
            m.put("classChanged", moved);
            m.put("deleted", deleted);
            m.put("millis", ms(t0));
            log.printf("LDAP changes: %s%n", m);
            return m;
        }
    }

    // ------------------------------------------------------------------------------------------ output

    public static String table(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "ent-sync bench: %s people, %s schools, %s, page size %s, %s cores, max heap %s MB%n",
                r.setup().get("people"), r.setup().get("schools"), r.setup().get("database"), r.setup().get("pageSize"),
                r.setup().get("cores"), r.setup().get("maxHeapMb")));
        b.append(String.format(Locale.ROOT, "%-28s %9s %10s %9s %9s %9s %7s %-19s %6s   %s%n",
                "phase", "wall s", "entries/s", "rows", "changes", "heap MB", "gc ms", "floor", "ratio", "cpu s: jvm (jit) db ldap"));
        for (Phase p : r.phases()) {
            b.append(String.format(Locale.ROOT, "%-28s %9.2f %10.0f %9d %9d %9d %7d %-19s %6s   %s%n", p.name(), p.millis() / 1000.0,
                    p.entriesPerSecond(), p.rowsWritten(), p.changes(), p.peakHeapMb(), p.gcMillis(), p.floor() == null ? "" : p.floor(),
                    p.ratio() == null ? "" : String.format(Locale.ROOT, "%.2f", p.ratio()), cpu(p.cpu())));
        }
        // the table gives medians; a fresh JVM's first sync (what a command-line first sync is) differs from warm ones
        r.repeats().forEach((name, pairs) -> {
            if (pairs.size() < 2) return;
            List<String> ratios = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                ratios.add(String.format(Locale.ROOT, "%.2f", pairs.get(i).ratio()) + (i == 0 && name.equals(FIRST_SYNC) ? " (fresh JVM)" : ""));
            }
            b.append(name).append(", ratios in run order: ").append(String.join(", ", ratios)).append(System.lineSeparator());
        });
        return b.toString();
    }

    private static String cpu(Cpu c) {
        return c == null ? "" : String.format(Locale.ROOT, "%s (%s) %s %s", seconds(c.jvm()), seconds(c.jit()), seconds(c.database()), seconds(c.ldap()));
    }

    private static String seconds(long millis) {
        return millis < 0 ? "-" : String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    public static void writeJson(Result r, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), r);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static double perSecond(long n, long millis) {
        return millis == 0 ? 0 : Math.round(n * 1000.0 / millis);
    }

    /** Starts watching a phase: heap, GC and CPU of the JVM, the local database server and slapd. */
    private PhaseWatch watch() {
        String db = switch (o.server().dialect()) {
            case POSTGRESQL -> "postgres";
            case MARIADB -> "mariadbd";
            case H2 -> null; // inside the JVM
        };
        return new PhaseWatch(db);
    }

    /**
     * What a phase cost: peak heap, the heap in use sampled every 10 ms by a thread of its own (what the JVM really
     * held, garbage included, so never above -Xmx; the sum of the pools' own peaks overstated it, eden's peak being
     * its size), GC time, and CPU time ({@link Cpu}).
     */
    static final class PhaseWatch {
        private final long gcStart;
        private final long jvmCpuStart;
        private final long jitStart;
        private final String dbCommand;
        private final long dbCpuStart;
        private final long ldapCpuStart;
        private volatile long peak;
        private volatile boolean stopped;
        private final Thread sampler;

        private PhaseWatch(String dbCommand) {
            this.dbCommand = dbCommand;
            gcStart = gcTotal();
            jvmCpuStart = jvmCpu();
            jitStart = jit();
            dbCpuStart = ProcessCpu.millis(dbCommand);
            ldapCpuStart = ProcessCpu.millis("slapd");
            java.lang.management.MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            peak = mem.getHeapMemoryUsage().getUsed();
            sampler = new Thread(() -> {
                while (!stopped) {
                    peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed());
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap");
            sampler.setDaemon(true);
            sampler.start();
        }

        long peakMb() {
            stopped = true;
            peak = Math.max(peak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            return peak >> 20;
        }

        long gcMillis() {
            return gcTotal() - gcStart;
        }

        Cpu cpu() {
            return new Cpu(jvmCpu() - jvmCpuStart, jit() - jitStart, since(dbCpuStart, ProcessCpu.millis(dbCommand)),
                    since(ldapCpuStart, ProcessCpu.millis("slapd")));
        }

        private static long since(long start, long now) {
            return start < 0 || now < 0 ? -1 : now - start;
        }

        private static long jvmCpu() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() / 1_000_000 : -1;
        }

        private static long jit() {
            return ProcessCpu.jitMillis();
        }

        private static long gcTotal() {
            long t = 0;
            for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) t += Math.max(0, g.getCollectionTime());
            return t;
        }
    }

    public static Dialect dialect(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "postgresql", "postgres", "pg" -> Dialect.POSTGRESQL;
            case "mariadb", "mysql" -> Dialect.MARIADB;
            case "h2" -> Dialect.H2;
            default -> throw new org.entsync.config.ConfigException("--db: expected postgresql, mariadb or h2, got '" + name + "'");
        };
    }
}
