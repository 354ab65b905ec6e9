package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.replication.SqlIdentifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Reads chunks on one plain connection: for each chunk a {@code REPEATABLE READ} transaction that
 * imports the epoch's exported snapshot, then {@code COPY (SELECT columns FROM table WHERE <chunk
 * range>) TO STDOUT} in text format. Each row becomes an op READ envelope through the same
 * converters as the stream (COPY's text values are the types' output functions, as pgoutput's),
 * later and maybe on another thread ({@link ChunkRows#convert}).
 *
 * <p>Needs only SELECT on the table. Not thread-safe; the caller owns the connection.
 */
public final class ChunkReader {

    /** The epoch's snapshot can no longer be imported: the session that exported it is gone. */
    public static final class EpochExpiredException extends Exception {
        public EpochExpiredException(SnapshotEpoch epoch, SQLException cause) {
            super("The snapshot of " + epoch + " is no longer available: " + cause.getMessage(),
                    cause);
        }
    }

    private final Connection connection;
    private final AvroChangeConverter converter;

    public ChunkReader(Connection connection, AvroChangeConverter converter) throws SQLException {
        this.connection = connection;
        this.converter = converter;
        connection.setAutoCommit(false);
    }

    /**
     * Reads {@code chunk} of {@code table} as of {@code epoch} into raw rows, in the order COPY
     * returns them, to be converted later (maybe on another thread) with {@link ChunkRows#convert}.
     *
     * @throws EpochExpiredException when the epoch's snapshot cannot be imported any more
     * @throws SQLException on connection failures
     */
    public ChunkRows readRows(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch)
            throws SQLException, EpochExpiredException {
        try {
            beginInSnapshot(connection, epoch);
        } catch (SQLException e) {
            connection.rollback();
            // Once the exporting session has ended: 42704 undefined_object ("snapshot ... does not
            // exist"), or 22023 invalid_parameter_value ("invalid snapshot identifier").
            if ("42704".equals(e.getSQLState()) || "22023".equals(e.getSQLState())) {
                throw new EpochExpiredException(epoch, e);
            }
            throw e;
        }
        String sql = "COPY (SELECT " + table.quotedColumns() + " FROM " + table.quotedName()
                + where(table, chunk) + ") TO STDOUT";
        try {
            converter.onRelation(table.relation());
            ChunkRows rows = new ChunkRows(table, chunk, epoch, converter.tableSchema(table.oid()));
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
            byte[] row;
            while ((row = copy.readFromCopy()) != null) {
                rows.add(row);
            }
            connection.commit();
            return rows;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is likely gone; the caller reconnects
            }
            if (e instanceof PgWalException p) {
                throw new PgWalException("Snapshot of " + table + ", " + chunk + ": "
                        + p.getMessage(), p);
            }
            throw e;
        }
    }

    /**
     * Starts a read-only REPEATABLE READ transaction on {@code c} (autocommit off) that sees
     * exactly the epoch's snapshot.
     */
    static void beginInSnapshot(Connection c, SnapshotEpoch epoch) throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = c.createStatement()) {
            s.execute("SET TRANSACTION SNAPSHOT " + SqlIdentifiers.quoteLiteral(epoch.snapshotName()));
            s.execute("SET TRANSACTION READ ONLY");
        }
    }

    /** The chunk's WHERE clause (with a leading space), or empty for the whole table. */
    static String where(SnapshotTable t, SnapshotChunk chunk) {
        List<String> conditions = new ArrayList<>(2);
        if (t.byBlocks()) {
            if (chunk.lower() != null && !"0".equals(chunk.lower().get(0))) {
                conditions.add("ctid >= " + tid(chunk.lower().get(0)));
            }
            if (chunk.upper() != null) {
                conditions.add("ctid < " + tid(chunk.upper().get(0)));
            }
        } else {
            if (chunk.lower() != null) {
                conditions.add(rowCompare(t, ">", chunk.lower()));
            }
            if (chunk.upper() != null) {
                conditions.add(rowCompare(t, "<=", chunk.upper()));
            }
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    private static String tid(String block) {
        return "'(" + Long.parseLong(block) + ",0)'::pg_catalog.tid";
    }

    /** {@code (k1, k2) op (v1::type1, v2::type2)} with the values as escaped literals. */
    static String rowCompare(SnapshotTable t, String op, List<String> values) {
        List<String> literals = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            literals.add(literal(values.get(i)) + "::" + t.chunkKeyTypes().get(i));
        }
        return "(" + quotedKey(t) + ") " + op + " (" + String.join(", ", literals) + ")";
    }

    static String quotedKey(SnapshotTable t) {
        List<String> q = new ArrayList<>(t.chunkKey().size());
        t.chunkKey().forEach(k -> q.add(SqlIdentifiers.quoteIdentifier(k)));
        return String.join(", ", q);
    }

    /**
     * An escape-string literal ({@code E'...'}): correct whatever standard_conforming_strings is,
     * since backslashes and quotes are both escaped.
     */
    static String literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new PgWalException("A key value contains a NUL character, which PostgreSQL text"
                    + " cannot hold");
        }
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
