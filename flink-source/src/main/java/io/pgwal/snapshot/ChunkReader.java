package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.TableSchema;
import io.pgwal.decoder.CopyBinaryRow;
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
 * range>) TO STDOUT}: in binary format when every column is of a scalar type pgwal reads in
 * binary ({@link TableSchema#readsBinary()}; the server writes it faster and pgwal reads it
 * faster), else in text. Each row becomes an op READ envelope through the same converters as the
 * stream (COPY's text values are the types' output functions, as pgoutput's; the binary
 * converters give the same values), later and maybe on another thread ({@link
 * ChunkRows#convert}).
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
    private boolean binaryCopy = true;
    /** Table schemas by table OID, as of the epoch {@link #schemasEpoch}. */
    private final java.util.Map<Integer, TableSchema> schemas = new java.util.HashMap<>();
    private long schemasEpoch = -1;

    public ChunkReader(Connection connection, AvroChangeConverter converter) throws SQLException {
        this.connection = connection;
        this.converter = converter;
        connection.setAutoCommit(false);
    }

    /**
     * Whether a table whose columns all have binary converters ({@link TableSchema#readsBinary()})
     * is read with {@code COPY ... (FORMAT binary)}: on by default, as the server writes binary
     * faster than text and pgwal reads it faster; off reads every table in text (for tests that
     * compare the two).
     */
    ChunkReader binaryCopy(boolean on) {
        this.binaryCopy = on;
        return this;
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
        try {
            TableSchema schema = schema(table, epoch);
            boolean binary = binaryCopy && schema.readsBinary();
            String sql = "COPY (SELECT " + table.quotedColumns() + " FROM " + table.quotedName()
                    + where(table, chunk) + ") TO STDOUT" + (binary ? " (FORMAT binary)" : "");
            ChunkRows rows = new ChunkRows(table, chunk, epoch, schema, binary);
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
            byte[] row;
            boolean first = true;
            while ((row = copy.readFromCopy()) != null) {
                if (!binary) {
                    rows.add(row);
                    continue;
                }
                // The header comes with the first tuple (or the trailer); one tuple a message.
                int from = first ? CopyBinaryRow.headerLength(row) : 0;
                first = false;
                if (!CopyBinaryRow.isTrailer(row, from, row.length) && from < row.length) {
                    rows.add(row, from);
                }
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
     * The table's schema as of the epoch's snapshot: read from the catalog (inside the chunk's
     * transaction, so as of the snapshot) for the first chunk of a table in an epoch, then reused,
     * since every chunk of the epoch sees the same catalog. (Reading the catalog again for each
     * chunk cost a few queries per chunk, while the COPY backend, the bottleneck, waited.)
     */
    private TableSchema schema(SnapshotTable table, SnapshotEpoch epoch) {
        if (epoch.id() != schemasEpoch) {
            schemas.clear();
            schemasEpoch = epoch.id();
        }
        TableSchema schema = schemas.get(table.oid());
        if (schema == null || !schema.relation().equals(table.relation())) {
            converter.onRelation(table.relation());
            schema = converter.tableSchema(table.oid());
            schemas.put(table.oid(), schema);
        }
        return schema;
    }

    /**
     * Starts a read-only REPEATABLE READ transaction on {@code c} (autocommit off) that sees
     * exactly the epoch's snapshot, in one round trip.
     */
    static void beginInSnapshot(Connection c, SnapshotEpoch epoch) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // PostgreSQL: SET TRANSACTION SNAPSHOT comes before the transaction's first query, in
            // a transaction already REPEATABLE READ (or SERIALIZABLE).
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
                    + " SET TRANSACTION SNAPSHOT " + SqlIdentifiers.quoteLiteral(epoch.snapshotName()));
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
