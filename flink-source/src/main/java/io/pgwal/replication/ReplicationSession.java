package io.pgwal.replication;

import io.pgwal.PgWalException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replication connection streaming a slot with pgoutput, that confirms to the server only the
 * positions it is explicitly told to ({@link #acknowledge}).
 *
 * <p><b>Threading:</b> not thread-safe; one thread polls, acknowledges and closes. ({@link
 * #close()} may also be called from another thread to abort; the polling thread then gets an
 * exception.) <b>Blocking:</b> {@link #readPending()} never blocks for long: when nothing is
 * pending, pgjdbc peeks the socket with a 1 ms timeout and returns null. pgjdbc sends status
 * updates and answers keepalives only from inside its read calls, so the owner must keep polling
 * even when it does not want data.
 */
public final class ReplicationSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSession.class);

    private final PgWalConnectionConfig config;
    private final SlotInfo slot;
    private final Connection connection;
    private final PGReplicationStream stream;
    private final LogSequenceNumber startLsn;
    private LogSequenceNumber acknowledged;
    private volatile boolean closed;

    private ReplicationSession(PgWalConnectionConfig config, SlotInfo slot, Connection connection,
            PGReplicationStream stream, LogSequenceNumber startLsn, LogSequenceNumber confirmed) {
        this.config = config;
        this.slot = slot;
        this.connection = connection;
        this.stream = stream;
        this.startLsn = startLsn;
        this.acknowledged = confirmed;
    }

    /**
     * Checks the setup ({@link ReplicationSetup#prepare}) and starts streaming.
     *
     * @param startLsn where to resume (the restart LSN of a restored checkpoint), or null to start
     *     at the slot's confirmed position
     * @throws PgWalException for a setup problem, or when the slot was already confirmed past
     *     {@code startLsn} (changes in between are gone) and the override is off
     * @throws SQLException when starting the stream fails
     */
    public static ReplicationSession open(PgWalConnectionConfig config, LogSequenceNumber startLsn)
            throws SQLException {
        SlotInfo slot = ReplicationSetup.prepare(config);
        LogSequenceNumber confirmed = slot.confirmedFlushLsn();
        LogSequenceNumber start = startLsn == null ? confirmed : startLsn;
        if (startLsn != null && confirmed.compareTo(startLsn) > 0) {
            String what = "Replication slot '" + slot.slotName() + "' was already confirmed up to "
                    + confirmed.asString() + ", past the restored position " + startLsn.asString()
                    + ": the changes between them can no longer be replayed, so exactly-once delivery"
                    + " cannot be kept";
            if (!config.allowSlotAhead()) {
                // PostgreSQL would silently start at the slot's position: refuse instead.
                throw new PgWalException(what + ". Restore a newer checkpoint or savepoint, or drop"
                        + " and recreate the slot and re-snapshot the tables, or set"
                        + " 'restore.allow-slot-ahead' = true to continue from "
                        + confirmed.asString() + " accepting the gap.");
            }
            LOG.warn("{}. Continuing from {} because 'restore.allow-slot-ahead' is set.", what,
                    confirmed.asString());
            start = confirmed;
        }
        Connection connection = ReplicationSetup.connect(config, true);
        try {
            ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class)
                    .getReplicationAPI()
                    .replicationStream()
                    .logical()
                    .withSlotName(slot.slotName())
                    .withStartPosition(start)
                    .withSlotOption("proto_version", config.protocolVersion())
                    // pgoutput parses publication_names as a list of identifiers: quote it.
                    .withSlotOption("publication_names",
                            SqlIdentifiers.quoteIdentifier(config.publicationName()))
                    .withStatusInterval((int) config.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                    // Since 42.7.1 pgjdbc moves the flushed LSN to the server's WAL end on keepalives
                    // unless told not to: that would confirm WAL no checkpoint covers.
                    .withAutomaticFlush(false);
            if (slot.serverVersionNum() >= 140000) {
                builder = builder.withSlotOption("messages", true);
            }
            PGReplicationStream stream = builder.start();
            // Status updates report the slot's own confirmed position until acknowledge() is called:
            // reporting the start instead would confirm it, and after a reconnect the start is the
            // reader's position, which no completed checkpoint may cover yet.
            stream.setFlushedLSN(confirmed);
            stream.setAppliedLSN(confirmed);
            LOG.info("Streaming slot '{}' of {} (publication '{}', pgoutput v{}, PostgreSQL {}) from {}",
                    slot.slotName(), config.jdbcUrl(), config.publicationName(),
                    config.protocolVersion(), slot.serverVersionNum(), start.asString());
            return new ReplicationSession(config, slot, connection, stream, start, confirmed);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** Where streaming started. */
    public LogSequenceNumber startLsn() {
        return startLsn;
    }

    public SlotInfo slotInfo() {
        return slot;
    }

    /**
     * The next pgoutput message (its bytes between position and limit), or null when none is
     * pending now. Also answers keepalives and sends due status updates.
     */
    public ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    /**
     * The WAL position of the message just returned, or, after a keepalive, the server's WAL end
     * (every transaction that committed before it has been sent).
     */
    public LogSequenceNumber lastReceiveLsn() {
        return stream.getLastReceiveLSN();
    }

    /**
     * Confirms {@code lsn} to the server (flushed and applied) with an immediate status update.
     * Values not above the last confirmed position are ignored; nothing else is ever confirmed.
     */
    public void acknowledge(LogSequenceNumber lsn) throws SQLException {
        if (lsn.compareTo(acknowledged) <= 0) {
            LOG.debug("Not confirming {}: {} already confirmed", lsn.asString(), acknowledged.asString());
            return;
        }
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
        acknowledged = lsn;
        LOG.debug("Confirmed {} on slot '{}'", lsn.asString(), slot.slotName());
    }

    /** The last position confirmed to the server (initially the slot's confirmed position). */
    public LogSequenceNumber acknowledgedLsn() {
        return acknowledged;
    }

    /** Closes the stream and the connection; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stream.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Closing the replication stream of slot '{}' failed", config.slotName(), e);
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
