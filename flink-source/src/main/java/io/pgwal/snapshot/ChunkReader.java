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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.annotation.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads chunks on plain connections (the caller's, and optionally a second one of its own that
 * starts the next chunk's COPY early): for each chunk a {@code REPEATABLE READ} transaction that
 * imports the epoch's exported snapshot, then {@code COPY (SELECT columns FROM table WHERE <chunk
 * range>) TO STDOUT}: in binary format when every column is of a scalar type pgwal reads in
 * binary ({@link TableSchema#readsBinary()}; the server writes it faster and pgwal reads it
 * faster), else in text. Each row becomes an op READ envelope through the same converters as the
 * stream (COPY's text values are the types' output functions, as pgoutput's; the binary
 * converters give the same values), later and maybe on another thread ({@link
 * ChunkRows#convert}).
 *
 * <p>Needs only SELECT on the table. Not thread-safe; the caller owns its connection, this reader
 * the second ({@link #close()}).
 */
public final class ChunkReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChunkReader.class);

    /** The epoch's snapshot can no longer be imported: the session that exported it is gone. */
    public static final class EpochExpiredException extends Exception {
        public EpochExpiredException(SnapshotEpoch epoch, SQLException cause) {
            super("The snapshot of " + epoch + " is no longer available: " + cause.getMessage(),
                    cause);
        }
    }

    /** A connection, and the converter whose catalog lookups run on it. */
    public record Lane(Connection connection, AvroChangeConverter converter) {}

    /** The chunk read after the one being read, when known: its COPY may start early. */
    public record Next(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch) {}

    /** A chunk whose COPY is under way on a lane. */
    private record Started(Lane lane, SnapshotTable table, SnapshotChunk chunk,
            SnapshotEpoch epoch, CopyOut copy, ChunkRows rows) {}

    private final Lane first;
    @Nullable
    private final Supplier<Lane> secondLanes;
    @Nullable
    private Lane second;
    /** The next chunk's COPY, started on the lane the current chunk does not use. */
    @Nullable
    private Started ahead;
    /** The second connection could not be opened: this reader does not try again. */
    private boolean secondFailed;
    private long startedAhead;
    private boolean binaryCopy = true;
    /** Table schemas by table OID, as of the epoch {@link #schemasEpoch}. */
    private final Map<Integer, TableSchema> schemas = new HashMap<>();
    private long schemasEpoch = -1;

    /** A reader on one connection, the caller's, which it never closes. */
    public ChunkReader(Connection connection, AvroChangeConverter converter) throws SQLException {
        this(new Lane(connection, converter), null);
    }

    /**
     * A reader on the caller's lane and, when {@code secondLanes} is given, a second connection
     * it opens itself (and closes in {@link #close()}) to start the next chunk's COPY while the
     * current one is drained: the server then never waits for pgwal between chunks (at source
     * parallelism 1 the COPY backend is the bottleneck of a snapshot).
     */
    public ChunkReader(Lane first, @Nullable Supplier<Lane> secondLanes) throws SQLException {
        this.first = first;
        this.secondLanes = secondLanes;
        first.connection().setAutoCommit(false);
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

    /** {@link #readRows(SnapshotTable, SnapshotChunk, SnapshotEpoch, Next)} without a next. */
    public ChunkRows readRows(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch)
            throws SQLException, EpochExpiredException {
        return readRows(table, chunk, epoch, null);
    }

    /**
     * Reads {@code chunk} of {@code table} as of {@code epoch} into raw rows, in the order COPY
     * returns them, to be converted later (maybe on another thread) with {@link ChunkRows#convert}.
     * With a second lane and {@code next} given, first starts {@code next}'s COPY on the other
     * connection (in its own transaction in the same snapshot); the next call for that chunk
     * drains it. Starting early is only an optimization: when it fails, nothing is kept and the
     * next chunk is read as if it had not been tried (its error, if any, surfaces then).
     *
     * @throws EpochExpiredException when the epoch's snapshot cannot be imported any more
     * @throws SQLException on connection failures
     */
    public ChunkRows readRows(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch,
            @Nullable Next next) throws SQLException, EpochExpiredException {
        Started current;
        if (ahead != null && ahead.chunk().id() == chunk.id() && ahead.epoch().id() == epoch.id()
                && ahead.table().oid() == table.oid()) {
            current = ahead;
            ahead = null;
        } else {
            discardAhead();
            current = start(first, table, chunk, epoch);
        }
        if (next != null && secondLanes != null) {
            startAhead(current.lane() == first ? second() : first, next);
        }
        ChunkRows rows = drain(current);
        if (ahead == null && second != null) {
            // No chunk known to follow (the last, or the next not assigned yet): the second
            // connection would sit idle, maybe for the rest of the job; it is opened again if needed.
            closeSecond();
        }
        return rows;
    }

    private void startAhead(@Nullable Lane lane, Next next) {
        if (lane == null) {
            return;
        }
        try {
            ahead = start(lane, next.table(), next.chunk(), next.epoch());
            startedAhead++;
        } catch (SQLException | EpochExpiredException | RuntimeException e) {
            LOG.debug("Could not start {} {} early; it is read in its turn", next.table(),
                    next.chunk(), e);
            if (lane == second) {
                closeSecond();
            }
        }
    }

    /** The second lane, opened on first use; null when it cannot be (then never tried again). */
    @Nullable
    private Lane second() {
        if (second == null && !secondFailed) {
            try {
                second = secondLanes.get();
                second.connection().setAutoCommit(false);
            } catch (SQLException | RuntimeException e) {
                secondFailed = true;
                LOG.warn("Could not open a second snapshot connection ({}); chunks are read one"
                        + " after the other on one connection", e.getMessage());
                closeSecond();
            }
        }
        return second;
    }

    /** How many chunks' COPY this reader started ahead of their turn (for tests). */
    long chunksStartedAhead() {
        return startedAhead;
    }

    private void closeSecond() {
        if (second != null) {
            if (ahead != null && ahead.lane() == second) {
                ahead = null;
            }
            try {
                second.connection().close();
            } catch (SQLException e) {
                LOG.debug("Error while closing the second snapshot connection", e);
            }
            second = null;
        }
    }

    /** Abandons the COPY started ahead, if any (a rare case: the chunks came in another order). */
    private void discardAhead() throws SQLException {
        Started a = ahead;
        if (a == null) {
            return;
        }
        ahead = null;
        if (a.lane() == second) {
            closeSecond();
            return;
        }
        // On the caller's connection: read the COPY to its end, then end the transaction.
        while (a.copy().readFromCopy() != null) {
            // discarded
        }
        a.lane().connection().rollback();
    }

    /**
     * Drops a COPY started early and closes the second connection, if open; the caller's
     * connection stays open (out of any transaction, unless it failed: then the caller closes it).
     */
    @Override
    public void close() {
        try {
            discardAhead();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Could not end the early COPY on the snapshot connection", e);
            ahead = null;
        }
        closeSecond();
    }

    /** Begins the chunk's transaction in the epoch's snapshot on {@code lane} and starts COPY. */
    private Started start(Lane lane, SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch)
            throws SQLException, EpochExpiredException {
        Connection connection = lane.connection();
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
            TableSchema schema = schema(lane, table, epoch);
            boolean binary = binaryCopy && schema.readsBinary();
            String sql = "COPY (SELECT " + table.quotedColumns() + " FROM " + table.quotedName()
                    + where(table, chunk) + ") TO STDOUT" + (binary ? " (FORMAT binary)" : "");
            ChunkRows rows = new ChunkRows(table, chunk, epoch, schema, binary);
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
            return new Started(lane, table, chunk, epoch, copy, rows);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection);
            if (e instanceof PgWalException p) {
                throw named(table, chunk, p);
            }
            throw e;
        }
    }

    /** Reads the started COPY to its end and commits. */
    private ChunkRows drain(Started s) throws SQLException {
        Connection connection = s.lane().connection();
        try {
            ChunkRows rows = s.rows();
            boolean binary = rows.isBinary();
            byte[] row;
            boolean header = binary;
            while ((row = s.copy().readFromCopy()) != null) {
                if (!binary) {
                    rows.add(row);
                    continue;
                }
                // The header comes with the first tuple (or the trailer); one tuple a message.
                int from = header ? CopyBinaryRow.headerLength(row) : 0;
                header = false;
                if (!CopyBinaryRow.isTrailer(row, from, row.length) && from < row.length) {
                    rows.add(row, from);
                }
            }
            connection.commit();
            return rows;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(connection);
            close();
            if (e instanceof PgWalException p) {
                throw named(s.table(), s.chunk(), p);
            }
            throw e;
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is likely gone; the caller reconnects
        }
    }

    private static PgWalException named(SnapshotTable table, SnapshotChunk chunk,
            PgWalException e) {
        return new PgWalException("Snapshot of " + table + ", " + chunk + ": " + e.getMessage(),
                e);
    }

    /**
     * The table's schema as of the epoch's snapshot: read from the catalog (inside the chunk's
     * transaction, so as of the snapshot) for the first chunk of a table in an epoch, then reused,
     * since every chunk of the epoch sees the same catalog. (Reading the catalog again for each
     * chunk cost a few queries per chunk, while the COPY backend, the bottleneck, waited.)
     */
    private TableSchema schema(Lane lane, SnapshotTable table, SnapshotEpoch epoch) {
        if (epoch.id() != schemasEpoch) {
            schemas.clear();
            schemasEpoch = epoch.id();
        }
        TableSchema schema = schemas.get(table.oid());
        if (schema == null || !schema.relation().equals(table.relation())) {
            lane.converter().onRelation(table.relation());
            schema = lane.converter().tableSchema(table.oid());
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
        // A chunk's COPY may be started early and read a little later (after Flink took the
        // previous chunk): server-side session timeouts must not end it meanwhile (SET LOCAL:
        // for this transaction only). transaction_timeout exists from PostgreSQL 17.
        String timeouts = " SET LOCAL idle_in_transaction_session_timeout = 0;"
                + " SET LOCAL statement_timeout = 0;"
                + (c.getMetaData().getDatabaseMajorVersion() >= 17
                        ? " SET LOCAL transaction_timeout = 0;" : "");
        try (Statement s = c.createStatement()) {
            // PostgreSQL: SET TRANSACTION SNAPSHOT comes before the transaction's first query, in
            // a transaction already REPEATABLE READ (or SERIALIZABLE).
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
                    + " SET TRANSACTION SNAPSHOT " + SqlIdentifiers.quoteLiteral(epoch.snapshotName())
                    + ";" + timeouts);
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
