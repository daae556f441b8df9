package org.entsync.moodle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** SQL that differs per database, and the IN-list chunking every bulk probe uses. */
public final class Sql {
    /** Long IN lists are slow and some drivers cap parameters: probes go by chunks of this size. */
    public static final int CHUNK = 1000;

    private final Dialect dialect;
    private final String prefix;

    public Sql(Dialect dialect, String prefix) {
        if (!org.entsync.config.SyncConfig.PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("invalid table prefix " + prefix);
        }
        this.dialect = dialect;
        this.prefix = prefix;
    }

    public Dialect dialect() {
        return dialect;
    }

    public String prefix() {
        return prefix;
    }

    /** A Moodle table name with the prefix (validated at construction, so safe to concatenate). */
    public String t(String table) {
        return prefix + table;
    }

    /**
     * Commits ent-sync's own bookkeeping (the instance lock, the run's history row) without waiting for the WAL flush
     * on PostgreSQL ({@code SET LOCAL}: this transaction only, never the pooled session). These commits open and
     * close every run, and one flush can stall for 100-300 ms on a busy virtual disk. Nothing is lost that matters:
     * the run's first durable page commit flushes the WAL before it, so a run that wrote anything has its lock and
     * history row too; at its end, a crash may keep the lock (it expires) and the row 'running' (the next run copes),
     * as a crash during the run would. Moodle's rows and the index rows a run writes are always committed durably.
     * MariaDB and H2 have no per-transaction setting: a plain commit.
     */
    public void commitBookkeeping(Connection c) throws SQLException {
        if (dialect == Dialect.POSTGRESQL) {
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit TO off");
            }
        }
        c.commit();
    }

    /** Replaces {name} table references in a statement by prefixed names, as Moodle's {table} syntax. */
    public String q(String sql) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '{') {
                int end = sql.indexOf('}', i);
                b.append(prefix).append(sql, i + 1, end);
                i = end + 1;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    /** Rows one MariaDB upsert statement carries (see {@link #upsert}). */
    private static final int UPSERT_ROWS = 200;

    /**
     * INSERT or UPDATE of rows on a unique key (each row: key columns, then value columns), in each database's own
     * syntax, batched. PostgreSQL's driver rewrites the batch into multi-row statements (reWriteBatchedInserts) and
     * H2 takes it as is; MariaDB's Connector/J sends a batched INSERT … ON DUPLICATE KEY UPDATE one row at a time
     * (a first sync of 20 000 people sent 97 000 index and 56 000 profile-field statements), so there the rows go
     * {@link #UPSERT_ROWS} to a statement.
     */
    public void upsert(Connection c, String table, List<String> keyColumns, List<String> valueColumns, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        if (dialect != Dialect.MARIADB) {
            try (PreparedStatement ps = c.prepareStatement(upsertStatement(table, keyColumns, valueColumns, 1))) {
                for (Object[] r : rows) {
                    bind(ps, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return;
        }
        for (int from = 0; from < rows.size(); from += UPSERT_ROWS) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + UPSERT_ROWS));
            try (PreparedStatement ps = c.prepareStatement(upsertStatement(table, keyColumns, valueColumns, chunk.size()))) {
                int i = 1;
                for (Object[] r : chunk) {
                    for (Object v : r) ps.setObject(i++, v);
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * Sets text columns of rows by id ({@code values}: id → the columns' values, in order) and gives every row the
     * same {@code constant} column value, in the caller's transaction. On PostgreSQL one statement that joins arrays
     * of the ids and values: a batch of one-row UPDATEs costs it a bind and an execution per row (a 1 % run at
     * 100 000 people sent 905 of them, 123 ms of server time). Elsewhere a batch of one-row UPDATEs.
     */
    public void updateById(Connection c, String table, List<String> columns, Map<Long, String[]> values, String constantColumn, Object constant)
            throws SQLException {
        if (values.isEmpty()) return;
        StringBuilder set = new StringBuilder();
        if (dialect != Dialect.POSTGRESQL) {
            for (String col : columns) set.append(col).append(" = ?, ");
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + t(table) + " SET " + set + constantColumn + " = ? WHERE id = ?")) {
                for (Map.Entry<Long, String[]> e : values.entrySet()) {
                    int i = 1;
                    for (String v : e.getValue()) ps.setString(i++, v);
                    ps.setObject(i++, constant);
                    ps.setLong(i, e.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return;
        }
        StringBuilder arrays = new StringBuilder("?::bigint[]");
        StringBuilder names = new StringBuilder("id");
        for (int k = 0; k < columns.size(); k++) {
            set.append(columns.get(k)).append(" = v.c").append(k).append(", ");
            arrays.append(", ?::text[]");
            names.append(", c").append(k);
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t(table) + " AS u SET " + set + constantColumn + " = ? FROM unnest(" + arrays
                + ") AS v(" + names + ") WHERE u.id = v.id")) {
            ps.setObject(1, constant);
            ps.setArray(2, c.createArrayOf("bigint", values.keySet().toArray()));
            for (int k = 0; k < columns.size(); k++) {
                String[] column = new String[values.size()];
                int n = 0;
                for (String[] row : values.values()) column[n++] = row[k];
                ps.setArray(3 + k, c.createArrayOf("text", column));
            }
            ps.executeUpdate();
        }
    }

    /** Bytes of COPY data sent to PostgreSQL at a time. */
    private static final int COPY_CHUNK = 1 << 16;

    /**
     * Plain INSERT of new rows (values in the order of {@code columns}) in the caller's transaction. On PostgreSQL
     * one COPY: the client encodes each row once, where binding every parameter of a batched INSERT cost it ~1.5 µs
     * a row (a first sync of 100 000 people inserts about 1.2 million rows). Elsewhere a batched INSERT.
     */
    public void insert(Connection c, String table, List<String> columns, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        if (dialect != Dialect.POSTGRESQL) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t(table) + " (" + String.join(", ", columns) + ") VALUES ("
                    + marks(columns.size()) + ")")) {
                for (Object[] r : rows) {
                    bind(ps, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return;
        }
        org.postgresql.copy.CopyIn copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                .copyIn("COPY " + t(table) + " (" + String.join(", ", columns) + ") FROM STDIN");
        try {
            CopyText text = CopyText.start();
            for (Object[] r : rows) {
                if (r.length != columns.size()) throw new IllegalArgumentException(r.length + " values for " + columns.size() + " columns of " + table);
                text.row(r);
                if (text.length() >= COPY_CHUNK) {
                    copy.writeToCopy(text.bytes(), 0, text.length());
                    text.clear();
                }
            }
            if (text.length() > 0) copy.writeToCopy(text.bytes(), 0, text.length());
            copy.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) { // failed while the rows were written: the connection leaves COPY mode, the error stays the one thrown
                try {
                    copy.cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel);
                }
            }
            throw e;
        }
    }

    private String upsertStatement(String table, List<String> keyColumns, List<String> valueColumns, int rows) {
        List<String> all = new ArrayList<>(keyColumns);
        all.addAll(valueColumns);
        String cols = String.join(", ", all);
        String marks = String.join(", ", Collections.nCopies(all.size(), "?"));
        StringBuilder b = new StringBuilder();
        switch (dialect) {
            case POSTGRESQL -> {
                b.append("INSERT INTO ").append(t(table)).append(" (").append(cols).append(") VALUES (").append(marks)
                        .append(") ON CONFLICT (").append(String.join(", ", keyColumns)).append(") DO UPDATE SET ");
                for (int i = 0; i < valueColumns.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(valueColumns.get(i)).append(" = EXCLUDED.").append(valueColumns.get(i));
                }
            }
            case MARIADB -> {
                b.append("INSERT INTO ").append(t(table)).append(" (").append(cols).append(") VALUES ")
                        .append(String.join(", ", Collections.nCopies(rows, "(" + marks + ")"))).append(" ON DUPLICATE KEY UPDATE ");
                for (int i = 0; i < valueColumns.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(valueColumns.get(i)).append(" = VALUES(").append(valueColumns.get(i)).append(")");
                }
            }
            case H2 -> b.append("MERGE INTO ").append(t(table)).append(" (").append(cols).append(") KEY (")
                    .append(String.join(", ", keyColumns)).append(") VALUES (").append(marks).append(")");
        }
        return b.toString();
    }

    /** "?, ?, ?" for an IN list of n values. */
    public static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Where the IN list goes in a statement of {@link #queryIn} or {@link #updateIn}. */
    public static final String IN_LIST = "(?...)";

    /** Reads the current row of a result. */
    @FunctionalInterface
    public interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    /**
     * Runs a query once per chunk of values ({@link #CHUNK}), with {@link #IN_LIST} in its text replaced by as
     * many marks as the chunk holds (on PostgreSQL "IN (?...)" by "= ANY(?)" and one array, see
     * {@link #postgresArrayType}): the leading arguments are bound first, then the chunk.
     */
    public static void queryIn(Connection c, String sql, Collection<?> values, RowReader each, Object... leading) throws SQLException {
        for (List<?> chunk : chunks(values)) {
            try (PreparedStatement ps = prepareIn(c, sql, chunk, leading); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) each.read(rs);
            }
        }
    }

    /** As {@link #queryIn}, for an UPDATE or DELETE; returns the rows changed. */
    public static int updateIn(Connection c, String sql, Collection<?> values, Object... leading) throws SQLException {
        int n = 0;
        for (List<?> chunk : chunks(values)) {
            try (PreparedStatement ps = prepareIn(c, sql, chunk, leading)) {
                n += ps.executeUpdate();
            }
        }
        return n;
    }

    private static PreparedStatement prepareIn(Connection c, String sql, List<?> chunk, Object[] leading) throws SQLException {
        int at = sql.indexOf(IN_LIST);
        if (at < 0 || sql.indexOf(IN_LIST, at + 1) >= 0) throw new IllegalArgumentException("one " + IN_LIST + " expected in: " + sql);
        String arrayType = postgresArrayType(c, sql, at, chunk);
        String text = arrayType == null
                ? sql.substring(0, at) + "(" + marks(chunk.size()) + ")" + sql.substring(at + IN_LIST.length())
                : sql.substring(0, at - IN.length()) + " = ANY(?)" + sql.substring(at + IN_LIST.length());
        PreparedStatement ps = c.prepareStatement(text);
        try {
            int i = 1;
            for (Object a : leading) ps.setObject(i++, a);
            if (arrayType != null) {
                Object[] values = chunk.toArray();
                if (arrayType.equals("bigint")) {
                    for (int k = 0; k < values.length; k++) values[k] = ((Number) values[k]).longValue();
                }
                ps.setArray(i, c.createArrayOf(arrayType, values));
            } else {
                for (Object v : chunk) ps.setObject(i++, v);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static final String IN = " IN ";

    /**
     * On PostgreSQL, "column IN (?...)" of ids or texts is sent as "column = ANY(?)" with one array: the same short
     * statement for every chunk, which the driver parses once and the server prepares once per connection, where
     * a list of up to 1 000 markers was parsed by the driver, bound value by value and planned by the server for
     * each chunk size. Null (a list of markers) elsewhere, for NOT IN, or for values of mixed or other types.
     */
    private static String postgresArrayType(Connection c, String sql, int at, List<?> chunk) throws SQLException {
        if (chunk.isEmpty() || !sql.startsWith(IN, at - IN.length()) || sql.startsWith(" NOT", at - IN.length() - 4)) return null;
        boolean numbers = true, texts = true;
        for (Object v : chunk) {
            numbers &= v instanceof Long || v instanceof Integer;
            texts &= v instanceof String;
        }
        if (!numbers && !texts) return null;
        if (!c.isWrapperFor(org.postgresql.PGConnection.class)) return null;
        return numbers ? "bigint" : "text";
    }

    /** Splits values into chunks of at most {@link #CHUNK}. */
    public static <T> List<List<T>> chunks(Collection<T> values) {
        return chunks(values, CHUNK);
    }

    /** Splits values into chunks of at most {@code size}, in their order. */
    public static <T> List<List<T>> chunks(Collection<T> values, int size) {
        List<T> list = values instanceof List<T> l ? l : new ArrayList<>(values);
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i += size) out.add(list.subList(i, Math.min(list.size(), i + size)));
        return out;
    }

    /**
     * PostgreSQL only: takes n ids from the table's id sequence in one query, so rows can be inserted with their id
     * (and anything derived from it, like a context path) instead of being read back or updated afterwards.
     * Null on the other databases (MariaDB's auto-increment cannot be reserved ahead).
     */
    public List<Long> reserveIds(Connection c, String table, int n) throws SQLException {
        if (dialect != Dialect.POSTGRESQL || n == 0) return null;
        List<Long> ids = new ArrayList<>(n);
        try (PreparedStatement ps = c.prepareStatement("SELECT nextval(CAST(? AS oid)) FROM generate_series(1, ?)")) {
            bind(ps, sequenceOid(c, table), n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /**
     * The OID of the table's id sequence, looked up once: {@code nextval(pg_get_serial_sequence(…))} resolved the
     * name for every id (0.65 s of the 188 000 ids of a first sync of 100 000 people; 0.12 s by OID).
     */
    private long sequenceOid(Connection c, String table) throws SQLException {
        Long oid = sequenceOids.get(table);
        if (oid == null) {
            oid = longValue(c, "SELECT CAST(CAST(pg_get_serial_sequence(?, 'id') AS regclass) AS oid)", t(table));
            if (oid == 0) throw new SQLException("no id sequence for table " + t(table));
            sequenceOids.put(table, oid);
        }
        return oid;
    }

    private final java.util.Map<String, Long> sequenceOids = new java.util.concurrent.ConcurrentHashMap<>();

    public static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
    }

    public static long longValue(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        }
    }

    public static String stringValue(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    /**
     * Whether the database chose this transaction as the victim of a deadlock: it was rolled back whole, and running
     * it again is safe and usually succeeds. Writers of a run work side by side on the same tables (the index,
     * cache_flags), and InnoDB's next-key locks can make two of them wait for each other. A lock wait that timed out
     * is not one: someone else holds the row (an administrator's transaction), and the entry fails alone.
     */
    public static boolean isDeadlock(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if ("40001".equals(state) || "40P01".equals(state) || s.getErrorCode() == 1213) return true;
            }
        }
        return false;
    }

    /** Work of one transaction on a connection of its own. */
    @FunctionalInterface
    public interface Transaction {
        void run() throws SQLException;
    }

    /** Attempts of a transaction that deadlocks ({@link #isDeadlock}) before its error is let through. */
    public static final int DEADLOCK_ATTEMPTS = 4;

    /**
     * Runs a transaction again when it was a deadlock's victim, up to {@link #DEADLOCK_ATTEMPTS} times, after a
     * short pause that grows: the work must open its own connection and leave nothing behind when it throws (its
     * transaction is rolled back by the database, its reports are made after the commit).
     */
    public static void retryOnDeadlock(String what, Transaction work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                work.run();
                return;
            } catch (SQLException e) {
                if (!isDeadlock(e) || attempt >= DEADLOCK_ATTEMPTS) throw e;
                LOG.info("{}: deadlock ({}), written again (attempt {} of {})", what, e.getMessage(), attempt + 1, DEADLOCK_ATTEMPTS);
                try {
                    Thread.sleep(10L * attempt * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sql.class);

    /** Whether an error means the connection itself is gone (then retrying entry by entry is pointless). */
    public static boolean isConnectionLoss(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("70100"))) return true;
                if (s instanceof java.sql.SQLNonTransientConnectionException || s instanceof java.sql.SQLRecoverableException) return true;
            }
        }
        return false;
    }
}
