package io.pgwal.source.reader;

import static io.pgwal.source.split.PgWalPosition.lsn;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.catalog.JdbcCatalogLookup;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSession;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.snapshot.ChunkReader;
import io.pgwal.snapshot.ChunkRows;
import io.pgwal.snapshot.JdbcKeyOrder;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.source.split.PgWalSnapshotSplit;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the replication stream on Flink's fetcher thread: polls pgoutput messages, decodes and
 * converts them in batches, sends the acknowledgements the task thread asked for, and reconnects
 * with backoff when the connection drops.
 *
 * <p>The replication connection only confirms what {@link PgWalAckHandle} holds, i.e. what a
 * completed checkpoint covers. pgjdbc sends status updates and keepalive replies only from inside
 * its read calls, which is why {@link #fetch()} keeps polling even when idle.
 */
final class PgWalSplitReader implements SplitReader<PgWalFetchedRecord, PgWalSourceSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalSplitReader.class);

    /** How long an idle fetch polls before returning, so wake-ups and shutdown stay prompt. */
    private static final long IDLE_FETCH_NANOS = Duration.ofMillis(100).toNanos();

    /**
     * How long to wait after the stream ran dry before reading again. pgjdbc's non-blocking read
     * costs several system calls when nothing is buffered (FIONREAD, a 1 ms timed read, two
     * setsockopt) and the server's next send then wakes this thread: a reader that is faster than
     * the walsender pays that per message. Waiting a moment lets messages pile up in the socket,
     * and pgjdbc then parses them from its buffer without system calls. Adds at most this much
     * latency when a stream becomes busy again.
     */
    static final long BULK_READ_WAIT_NANOS = Duration.ofMillis(1).toNanos();

    private final PgWalConnectionConfig config;
    private final PgWalAckHandle acks;
    private final PgWalPendingPosition pending;
    private final PgWalEpochHandle epochs;
    private final PgWalReaderMetrics metrics;
    private final int maxBatchSize;
    private final int maxReconnectAttempts;
    private final Duration reconnectBackoff;

    private PgWalSplit split;
    private ReplicationSession session;
    private Connection catalogConnection;
    private PgWalChangeProcessor processor;
    private PgWalPosition cursor;
    private int failedAttempts;
    private boolean connectedBefore;
    private volatile boolean wokenUp;
    private boolean ranDry;
    private final PgWalKeepAlive keepAlive = new PgWalKeepAlive();
    /** When the fetcher last asked the server for a reply because it had been quiet. */
    private long lastPingNanos;
    /** The walsender of a connection taken for dead, to end before reconnecting (0: none). */
    private int deadWalsenderPid;
    private final PgWalSlotMonitor slotMonitor;

    /** Snapshot chunks to read, in assignment order, before any stream split arrives. */
    private final Deque<PgWalSnapshotSplit> chunks = new ArrayDeque<>();
    private Connection chunkConnection;
    private ChunkReader chunkReader;
    /** The epoch whose expiry was reported last (0 for none); no repeat until a newer one comes. */
    private long expiredEpochReported;

    PgWalSplitReader(
            PgWalConnectionConfig config,
            PgWalAckHandle acks,
            PgWalPendingPosition pending,
            PgWalEpochHandle epochs,
            PgWalReaderMetrics metrics,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff) {
        this.config = config;
        this.acks = acks;
        this.pending = pending;
        this.epochs = epochs;
        this.metrics = metrics;
        this.maxBatchSize = maxBatchSize;
        this.maxReconnectAttempts = maxReconnectAttempts;
        this.reconnectBackoff = reconnectBackoff;
        metrics.keepAlives(keepAlive::sent);
        this.slotMonitor = new PgWalSlotMonitor(config);
        metrics.slot(slotMonitor);
    }

    @Override
    public void handleSplitsChanges(SplitsChange<PgWalSourceSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("Unsupported split change " + change);
        }
        for (PgWalSourceSplit added : change.splits()) {
            if (added instanceof PgWalSnapshotSplit chunk) {
                chunks.add(chunk);
                continue;
            }
            PgWalSplit s = (PgWalSplit) added;
            if (split != null) {
                throw new IllegalStateException("pgwal reads one split, got a second: " + s);
            }
            split = s;
            cursor = s.position();
            LOG.info("Reading {}", s);
            // The stream comes after every chunk: the snapshot's connections are not needed.
            closeChunkReader();
        }
    }

    @Override
    public RecordsWithSplitIds<PgWalFetchedRecord> fetch() throws IOException {
        RecordsBySplits.Builder<PgWalFetchedRecord> batch = new RecordsBySplits.Builder<>();
        if (!chunks.isEmpty()) {
            fetchChunk(batch);
            return batch.build();
        }
        if (split == null) {
            return batch.build();
        }
        BatchOutput out = new BatchOutput();
        try {
            if (session == null) {
                openSession(out);
            }
            if (readBatch(out)) {
                batch.addFinishedSplit(PgWalSplit.SPLIT_ID);
                LOG.info("Bounded read reached stop LSN {} at {}", lsn(split.stopLsn()), cursor);
                closeSession();
            }
            failedAttempts = 0;
        } catch (SQLException e) {
            handleConnectionLoss(e);
        } catch (PgWalException e) {
            // A first connection failing is reported at once (bad settings are never transient).
            handleWrappedConnectionLoss(e, connectedBefore);
        }
        for (PgWalFetchedRecord r : out.records) {
            batch.add(PgWalSplit.SPLIT_ID, r);
        }
        return batch.build();
    }

    /** Reads until the batch is full or the stream is idle; true when a bounded read is done. */
    private boolean readBatch(BatchOutput out) throws SQLException {
        long idleDeadline = System.nanoTime() + IDLE_FETCH_NANOS;
        int records = 0;
        if (ranDry) {
            ranDry = false;
            LockSupport.parkNanos(BULK_READ_WAIT_NANOS);
        }
        while (!wokenUp && records < maxBatchSize) {
            keepAlive.polled();
            sendPendingAck();
            ByteBuffer message = session.readPending();
            if (message == null) {
                checkAlive();
                processor.onIdle(session.lastReceiveLsn().asLong(), out);
                if (reachedStop()) {
                    return true;
                }
                if (!out.records.isEmpty() || System.nanoTime() - idleDeadline > 0) {
                    ranDry = true;
                    break;
                }
                LockSupport.parkNanos(BULK_READ_WAIT_NANOS);
                continue;
            }
            int before = out.records.size();
            processor.onMessage(message, session.lastReceiveLsn().asLong(), out);
            records += out.records.size() - before;
            if (!processor.inTransaction() && reachedStop()) {
                return true;
            }
        }
        wokenUp = false;
        metrics.update(processor, session);
        return false;
    }

    /**
     * Reads the next chunk whole and hands it over as one element, then finishes its split. When
     * the chunk's epoch has expired, says so once (the task thread asks the enumerator for a new
     * one) and waits for a newer epoch.
     */
    private void fetchChunk(RecordsBySplits.Builder<PgWalFetchedRecord> batch) throws IOException {
        PgWalSnapshotSplit chunk = chunks.peek();
        SnapshotEpoch epoch = epochs.forChunk(chunk.epoch());
        if (epoch.id() <= expiredEpochReported) {
            // Waiting for the enumerator's next epoch.
            LockSupport.parkNanos(IDLE_FETCH_NANOS);
            return;
        }
        try {
            if (chunkReader == null) {
                chunkConnection = ReplicationSetup.connect(config, false);
                chunkReader = new ChunkReader(lane(chunkConnection), () -> lane(
                        ReplicationSetup.connect(config, false)));
            }
            long started = System.nanoTime();
            ChunkRows rows = chunkReader.readRows(chunk.table(), chunk.chunk(), epoch,
                    nextChunk(epoch));
            metrics.snapshotRows(rows.size());
            LOG.debug("Read {} rows ({} bytes) of {} {} in {} ms", rows.size(), rows.bytes(),
                    chunk.table(), chunk.chunk(), (System.nanoTime() - started) / 1_000_000);
            batch.add(chunk.splitId(), PgWalFetchedRecord.chunk(rows));
            batch.addFinishedSplit(chunk.splitId());
            chunks.poll();
            failedAttempts = 0;
        } catch (ChunkReader.EpochExpiredException e) {
            LOG.info("{}", e.getMessage());
            expiredEpochReported = epoch.id();
            // No COPY of the expired epoch stays open while a new epoch is awaited.
            chunkReader.close();
            batch.add(chunk.splitId(), PgWalFetchedRecord.epochExpired(epoch));
        } catch (SQLException e) {
            closeChunkReader();
            handleConnectionLoss(e);
        } catch (PgWalException e) {
            closeChunkReader();
            handleWrappedConnectionLoss(e, true);
        }
    }

    /**
     * A {@link PgWalException} that wraps a lost connection (a server that is down while we
     * reconnect) is retried like the loss itself, when {@code retriable}; any other is thrown, a
     * definite one so that the job fails once instead of restarting into it.
     */
    private void handleWrappedConnectionLoss(PgWalException e, boolean retriable)
            throws IOException {
        if (retriable && !e.isDefinite() && e.getCause() instanceof SQLException cause
                && isConnectionLoss(cause)) {
            handleConnectionLoss(cause);
        } else {
            throw PgWalException.failOnce(e);
        }
    }

    private ChunkReader.Lane lane(java.sql.Connection c) {
        return new ChunkReader.Lane(c, new AvroChangeConverter(config.database(),
                new JdbcCatalogLookup(c), config.unrepresentableValues()));
    }

    /**
     * The chunk after the head of the queue, when it is in the same epoch (its COPY may then start
     * while the head's is drained), else null.
     */
    @javax.annotation.Nullable
    private ChunkReader.Next nextChunk(SnapshotEpoch epoch) {
        java.util.Iterator<PgWalSnapshotSplit> it = chunks.iterator();
        it.next();
        if (!it.hasNext()) {
            return null;
        }
        PgWalSnapshotSplit next = it.next();
        return epochs.forChunk(next.epoch()).id() == epoch.id()
                ? new ChunkReader.Next(next.table(), next.chunk(), epoch) : null;
    }

    private void closeChunkReader() {
        if (chunkReader != null) {
            chunkReader.close();
        }
        chunkReader = null;
        if (chunkConnection != null) {
            try {
                chunkConnection.close();
            } catch (SQLException e) {
                LOG.debug("Error while closing the snapshot connection", e);
            }
            chunkConnection = null;
        }
    }

    private boolean reachedStop() {
        return split.isBounded()
                && !processor.inTransaction()
                && Long.compareUnsigned(processor.position().restartLsn(), split.stopLsn()) >= 0;
    }

    /**
     * A server that sent no byte for {@code connection.dead-after} is taken for dead (a network
     * path that went silent without a reset hangs until the OS's TCP timeouts otherwise). After a
     * third of it, the reader asks the server for a reply (a status update with the reply flag),
     * so a quiet but live server always answers in time.
     */
    private void checkAlive() throws SQLException {
        long silent = session.nanosSinceServerSpoke();
        long dead = config.deadAfter().toNanos();
        if (silent > dead) {
            deadWalsenderPid = session.walsenderPid();
            throw new SQLException("No byte from the server for " + silent / 1_000_000 + " ms"
                    + " (option 'connection.dead-after' = " + config.deadAfter() + "): the"
                    + " replication connection is taken for dead", "08006");
        }
        long now = System.nanoTime();
        if (silent > dead / 3 && now - lastPingNanos > dead / 3) {
            lastPingNanos = now;
            session.keepAlive();
        }
    }

    /**
     * The walsender of a connection taken for dead may still hold the slot until the server's
     * wal_sender_timeout ends it (60 s by default): end it now, if it still holds our slot.
     */
    private void endDeadWalsender() {
        int pid = deadWalsenderPid;
        deadWalsenderPid = 0;
        try (Connection c = ReplicationSetup.connect(config, false);
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT"
                        + " pg_catalog.pg_terminate_backend(active_pid)"
                        + " FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = ? AND active_pid = ?")) {
            ps.setString(1, config.slotName());
            ps.setInt(2, pid);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    LOG.warn("Ended walsender {} of the connection taken for dead, which still"
                            + " held slot '{}'", pid, config.slotName());
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.info("Could not end walsender {} of the dead connection ({}); the slot is free"
                    + " once the server's wal_sender_timeout ends it", pid, e.getMessage());
        }
    }

    private void openSession(BatchOutput out) throws SQLException {
        if (deadWalsenderPid != 0) {
            endDeadWalsender();
        }
        long restart = cursor.restartLsn();
        LogSequenceNumber start = restart == 0L ? null : LogSequenceNumber.valueOf(restart);
        // The session first: its checks turn bad settings into errors that name the option.
        session = ReplicationSession.open(config, start);
        connectedBefore = true;
        keepAlive.watch(session, PgWalKeepAlive.period(
                session.slotInfo().walSenderTimeoutMillis(), config.statusInterval()));
        slotMonitor.start(config.statusInterval());
        catalogConnection = ReplicationSetup.connectWithReadTimeout(config);
        AvroChangeConverter converter =
                new AvroChangeConverter(config.database(), new JdbcCatalogLookup(catalogConnection),
                        config.unrepresentableValues());
        processor = new PgWalChangeProcessor(
                new PgOutputDecoder(config.protocolVersion()),
                converter,
                cursor,
                session.startLsn().asLong(),
                split.snapshotFilter(),
                new JdbcKeyOrder(() -> catalogConnection));
        if (!processor.position().equals(cursor)) {
            // A fresh start learns its concrete restart LSN from the slot: checkpoint that.
            out.position(processor.position());
        }
        LOG.info("Replication session started at {} (resuming after {})", session.startLsn().asString(), cursor);
    }

    private void sendPendingAck() throws SQLException {
        long requested = acks.requested();
        if (requested != 0L
                && Long.compareUnsigned(requested, session.acknowledgedLsn().asLong()) > 0) {
            session.acknowledge(LogSequenceNumber.valueOf(requested));
            metrics.acknowledged(requested);
        }
    }

    private void handleConnectionLoss(SQLException e) throws IOException {
        // The connection failed: ending its COPY politely could wait for the server for good.
        if (session != null) {
            session.abort();
        }
        closeSession();
        if (!isConnectionLoss(e)) {
            PgWalException definite = StreamFailures.explain(e, config, cursor, !chunks.isEmpty());
            if (definite != null) {
                throw PgWalException.failOnce(definite);
            }
        }
        if (!isConnectionLoss(e) || ++failedAttempts > maxReconnectAttempts) {
            throw new IOException((chunks.isEmpty() ? "Replication stream of slot '"
                    + config.slotName() + "'" : "Snapshot of " + chunks.peek().table()) + " failed"
                    + (isConnectionLoss(e) ? " after " + maxReconnectAttempts + " reconnect attempts"
                            + " (option reconnect.max-attempts)" : "") + ": " + e.getMessage(), e);
        }
        long backoff = reconnectBackoff.toMillis() << Math.min(failedAttempts - 1, 5);
        LOG.warn("Replication connection lost ({}); reconnecting in {} ms from {} (attempt {} of {})",
                e.getMessage(), backoff, cursor, failedAttempts, maxReconnectAttempts);
        metrics.reconnected();
        try {
            Thread.sleep(backoff);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting to reconnect", ie);
        }
    }

    /**
     * Collects one fetch's records. A position without a record is attached to the batch's last
     * record when there is one (so the commit travels with it), and otherwise handed over through
     * {@link PgWalPendingPosition}. Either way the cursor follows, for reconnects.
     */
    private final class BatchOutput implements PgWalChangeProcessor.Output {
        final List<PgWalFetchedRecord> records = new ArrayList<>();

        @Override
        public void record(GenericRecord record, PgWalPosition positionAfter, long timestampMillis) {
            records.add(new PgWalFetchedRecord(record, pending.nextSequence(), positionAfter,
                    timestampMillis));
            metrics.fetched(timestampMillis);
            cursor = positionAfter;
        }

        @Override
        public void position(PgWalPosition position) {
            if (records.isEmpty()) {
                pending.set(position);
            } else {
                records.get(records.size() - 1).advancePosition(position);
            }
            cursor = position;
        }
    }

    /**
     * Failures worth a reconnect: those with a transient SQLSTATE ({@link
     * PgWalException#isTransientSqlState}), such as a lost connection, a server shutting down or a
     * slot still held by our previous, dying walsender.
     */
    static boolean isConnectionLoss(SQLException e) {
        return PgWalException.isTransientSqlState(e.getSQLState());
    }

    @Override
    public void wakeUp() {
        wokenUp = true;
    }

    @Override
    public void close() {
        closeSession();
        closeChunkReader();
        keepAlive.close();
        slotMonitor.close();
    }

    private void closeSession() {
        keepAlive.unwatch();
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                LOG.debug("Error while closing the replication session", e);
            }
            session = null;
        }
        if (catalogConnection != null) {
            try {
                catalogConnection.close();
            } catch (SQLException e) {
                LOG.debug("Error while closing the catalog connection", e);
            }
            catalogConnection = null;
        }
        processor = null;
    }
}
