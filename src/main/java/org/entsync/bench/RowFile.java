package org.entsync.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Rows of a query kept in a file and bound again to an insert, column by column: the insert floor replays the values
 * the first sync wrote without holding a million people's rows in the bench's heap. Columns are integers (booleans
 * as 0/1, as MariaDB returns TINYINT(1)), strings or null.
 */
final class RowFile {
    private static final byte NULL = 0, INTEGER = 1, TEXT = 2;

    private RowFile() {
    }

    /** Writes every row of rs to file; returns how many. */
    static long write(ResultSet rs, Path file) throws SQLException, IOException {
        int columns = rs.getMetaData().getColumnCount();
        long n = 0;
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    if (v == null) {
                        out.writeByte(NULL);
                    } else if (v instanceof Number num && !(v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal)) {
                        out.writeByte(INTEGER);
                        out.writeLong(num.longValue());
                    } else if (v instanceof Boolean b) {
                        out.writeByte(INTEGER);
                        out.writeLong(b ? 1 : 0);
                    } else if (v instanceof String s) {
                        out.writeByte(TEXT);
                        out.writeUTF(s);
                    } else {
                        throw new IllegalStateException("column " + rs.getMetaData().getColumnName(i) + ": a " + v.getClass().getSimpleName()
                                + ", not an integer or a string");
                    }
                }
                n++;
            }
        }
        return n;
    }

    /** Reads the rows back, one {@link #bindNext} per row. */
    static final class Reader implements Closeable {
        private final DataInputStream in;
        private final int columns;

        Reader(Path file, int columns) throws IOException {
            this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
            this.columns = columns;
        }

        /** Binds the next row's values as the statement's parameters 1..columns. */
        void bindNext(PreparedStatement ps) throws SQLException {
            try {
                for (int i = 1; i <= columns; i++) {
                    byte kind = in.readByte();
                    switch (kind) {
                        case NULL -> ps.setNull(i, Types.NULL);
                        case INTEGER -> ps.setLong(i, in.readLong());
                        case TEXT -> ps.setString(i, in.readUTF());
                        default -> throw new IllegalStateException("row file damaged: kind " + kind);
                    }
                }
            } catch (EOFException e) {
                throw new IllegalStateException("fewer rows in the file than asked for", e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
