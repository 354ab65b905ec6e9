package io.pgwal.replication;

import io.pgwal.PgWalException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replication connection streaming a slot with pgoutput, that confirms to the server only the
 * positions it is explicitly told to ({@link #acknowledge}): nothing is ever confirmed because it
 * was received, read, or reported by a keepalive.
 *
 * <p><b>Threading:</b> not thread-safe. One thread (the source's fetcher) opens the session,
 * polls, acknowledges and closes it. The exceptions are {@link #keepAlive()}, which any thread may
 * call, and {@link #close()}: another thread may call it to abort the session. It then kills the socket (pgjdbc's {@code Connection.abort})
 * instead of ending the COPY politely, so it never waits for the polling thread, and that
 * thread's current or next call fails with an {@link SQLException}.
 *
 * <p><b>Blocking:</b> {@link #readPending()} does not wait for data. When nothing is buffered,
 * pgjdbc peeks the socket with a 1 ms read timeout; for replication streams pgjdbc sets its
 * minimum delay between such peeks to 0, so every idle call peeks and takes about 1 ms ({@code
 * ReplicationSessionITCase} measures it). A caller that polls in a loop therefore needs no sleep
 * of its own to avoid spinning, but may add one. {@link #acknowledge} writes and flushes one
 * status message.
 *
 * <p><b>Keep polling:</b> pgjdbc sends the periodic status update and answers the server's
 * keepalive requests only from inside its read calls (and {@code forceUpdateStatus}). An owner
 * that stops calling {@link #readPending()} for longer than the server's {@code
 * wal_sender_timeout} (60 s by default) is disconnected by the server.
 *
 * <p><b>Nullability:</b> only {@link #readPending()} returns null (nothing pending now), and only
 * {@code open}'s {@code startLsn} may be null (start at the slot's confirmed position).
 */
public final class ReplicationSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSession.class);

    /** pgoutput accepts the {@code messages} option (logical decoding messages) from 14 on. */
    private static final int MESSAGES_OPTION_SINCE = 140000;

    private final SlotInfo slot;
    private final Connection connection;
    private final PGReplicationStream stream;
    private final LogSequenceNumber startLsn;
    private final Thread owner;
    private final String tracker;
    private LogSequenceNumber acknowledged;
    private volatile boolean closed;

    private ReplicationSession(SlotInfo slot, Connection connection, PGReplicationStream stream,
            LogSequenceNumber startLsn, String tracker) {
        this.tracker = tracker;
        this.slot = slot;
        this.connection = connection;
        this.stream = stream;
        this.startLsn = startLsn;
        this.owner = Thread.currentThread();
        this.acknowledged = slot.confirmedFlushLsn();
    }

    /**
     * Checks the setup ({@link ReplicationSetup#prepare}) and starts streaming. Blocks while
     * connecting (up to the config's connect timeout per connection).
     *
     * @param startLsn where to resume (the position of a restored checkpoint), or null to start at
     *     the slot's confirmed position
     * @throws PgWalException for a setup problem, or when the slot was already confirmed past
     *     {@code startLsn} (the changes in between are gone) and {@code restore.allow-slot-ahead}
     *     is off
     * @throws SQLException when starting the stream fails
     */
    public static ReplicationSession open(PgWalConnectionConfig config,
            @Nullable LogSequenceNumber startLsn) throws SQLException {
        SlotInfo slot = ReplicationSetup.prepare(config, startLsn);
        LogSequenceNumber start = startPosition(config, slot, startLsn);
        String tracker = TrackedSocketFactory.register();
        java.util.Properties tracked = new java.util.Properties();
        tracked.setProperty("socketFactory", TrackedSocketFactory.class.getName());
        tracked.setProperty("socketFactoryArg", tracker);
        Connection connection;
        try {
            connection = ReplicationSetup.connect(config, true, tracked);
        } catch (RuntimeException e) {
            TrackedSocketFactory.unregister(tracker);
            throw e;
        }
        try {
            PGReplicationStream stream = startStream(connection, config, slot, start);
            LOG.info("Streaming slot '{}' of {} (publication '{}', pgoutput v{}, PostgreSQL {})"
                            + " from {}", slot.slotName(), config.jdbcUrl(),
                    config.publicationName(), config.protocolVersion(), slot.serverVersionNum(),
                    start.asString());
            return new ReplicationSession(slot, connection, stream, start, tracker);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            TrackedSocketFactory.unregister(tracker);
            throw e;
        }
    }

    /**
     * Where to start. PostgreSQL silently starts a logical slot at its confirmed position when
     * asked for an older one, losing the changes in between; so a restore from behind the slot
     * fails here unless the user accepted that gap explicitly.
     */
    private static LogSequenceNumber startPosition(PgWalConnectionConfig config, SlotInfo slot,
            @Nullable LogSequenceNumber requested) {
        LogSequenceNumber confirmed = slot.confirmedFlushLsn();
        if (requested == null) {
            return confirmed;
        }
        if (confirmed.compareTo(requested) <= 0) {
            return requested;
        }
        String what = "Replication slot '" + slot.slotName() + "' was already confirmed up to "
                + confirmed.asString() + ", past the restored position " + requested.asString()
                + ": the changes between them were confirmed to PostgreSQL and can no longer be"
                + " replayed, so exactly-once delivery cannot be kept";
        if (!config.allowSlotAhead()) {
            throw new PgWalException(what + ". Restore a newer checkpoint or savepoint; or drop and"
                    + " recreate the slot and re-snapshot the tables; or set"
                    + " 'restore.allow-slot-ahead' = true to continue from " + confirmed.asString()
                    + ", accepting the gap.");
        }
        LOG.warn("{}. Continuing from {} because 'restore.allow-slot-ahead' is set.", what,
                confirmed.asString());
        return confirmed;
    }

    private static PGReplicationStream startStream(Connection connection,
            PgWalConnectionConfig config, SlotInfo slot, LogSequenceNumber start)
            throws SQLException {
        ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(slot.slotName())
                .withStartPosition(start)
                .withSlotOption("proto_version", config.protocolVersion())
                // pgjdbc writes each value as '<value>' without escaping it; the config rejects
                // publication names with a single quote. pgoutput splits the value as a list of
                // identifiers (folding unquoted ones to lower case), so quote the name.
                .withSlotOption("publication_names",
                        SqlIdentifiers.quoteIdentifier(config.publicationName()))
                .withStatusInterval((int) config.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                // pgjdbc (42.7.1+) by default moves the flushed LSN to the WAL end of a keepalive
                // once everything read so far was flushed, and reports it with the next status
                // update: that would confirm WAL that no completed checkpoint covers.
                .withAutomaticFlush(false);
        if (slot.serverVersionNum() >= MESSAGES_OPTION_SINCE) {
            builder = builder.withSlotOption("messages", true);
        }
        PGReplicationStream stream = builder.start();
        // Every status update reports the flushed/applied LSN: until acknowledge() it must be the
        // slot's own confirmed position. Not the start position: after a reconnect the reader
        // resumes from its own position, which no completed checkpoint may cover yet.
        stream.setFlushedLSN(slot.confirmedFlushLsn());
        stream.setAppliedLSN(slot.confirmedFlushLsn());
        return stream;
    }

    /** Where streaming started (never before the slot's confirmed position). */
    public LogSequenceNumber startLsn() {
        return startLsn;
    }

    /** The slot as {@link ReplicationSetup#prepare} found or created it before streaming. */
    public SlotInfo slotInfo() {
        return slot;
    }

    /**
     * The next pgoutput message (its bytes between position and limit, the first being the
     * message tag), or null when none is pending now. Also answers keepalives and sends due status
     * updates, which report only the acknowledged position. Takes about 1 ms when idle.
     */
    public @Nullable ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    /**
     * After {@link #readPending()} returned a message: that message's WAL position (the start of
     * its XLogData). After it returned null: the furthest position the server reported, which a
     * keepalive may have moved to the server's WAL end (every change committed before it that
     * the publication covers has been sent). Never confirmed by itself.
     */
    public LogSequenceNumber lastReceiveLsn() {
        return stream.getLastReceiveLSN();
    }

    /**
     * Confirms {@code lsn} to the server (flushed and applied) with an immediate status update,
     * which lets it move the slot's confirmed_flush_lsn and discard older WAL. Call it only for
     * positions a completed checkpoint covers. Values not above the last acknowledged position
     * are ignored; nothing else is ever confirmed.
     */
    public void acknowledge(LogSequenceNumber lsn) throws SQLException {
        if (lsn.compareTo(acknowledged) <= 0) {
            LOG.debug("Not acknowledging {} on slot '{}': {} already acknowledged", lsn.asString(),
                    slot.slotName(), acknowledged.asString());
            return;
        }
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
        acknowledged = lsn;
        LOG.debug("Acknowledged {} on slot '{}'", lsn.asString(), slot.slotName());
    }

    /**
     * Sends a status update now, from any thread: it reports only the acknowledged position (like
     * every status update) and tells the server the client is alive. For when the owner cannot
     * poll for a while (Flink backpressure holds the fetcher thread): without it, the server ends
     * the connection after {@code wal_sender_timeout}. pgjdbc serialises this with the owner's
     * reads and writes on the connection's lock; does nothing once the session is closed.
     */
    public void keepAlive() throws SQLException {
        if (!closed) {
            stream.forceUpdateStatus();
        }
    }

    /** Nanoseconds since the server last sent any byte (a change or a keepalive). */
    public long nanosSinceServerSpoke() {
        return TrackedSocketFactory.nanosSinceRead(tracker);
    }

    /** The process id of this session's walsender on the server. */
    public int walsenderPid() throws SQLException {
        return connection.unwrap(PGConnection.class).getBackendPID();
    }

    /** The last position confirmed to the server (initially the slot's confirmed position). */
    public LogSequenceNumber acknowledgedLsn() {
        return acknowledged;
    }

    /**
     * Closes the session without waiting for the server: kills the connection's socket (pgjdbc's
     * {@code Connection.abort}). For a connection that failed or is taken for dead, where ending
     * the COPY politely would wait for an answer that may never come. Idempotent.
     */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        TrackedSocketFactory.unregister(tracker);
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Aborting the replication connection of slot '{}' failed", slot.slotName(),
                    e);
        }
    }

    /**
     * Idempotent. From the owning thread: ends the stream, then closes the connection. From any
     * other thread: aborts the connection (closes its socket without waiting), which makes the
     * owner's current or next call fail.
     */
    @Override
    public void close() {
        if (Thread.currentThread() != owner) {
            abort();
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        TrackedSocketFactory.unregister(tracker);
        try {
            stream.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Ending the replication stream of slot '{}' failed", slot.slotName(), e);
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("Closing a replication connection failed", e);
        }
    }
}
