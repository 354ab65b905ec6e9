package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a {@link SnapshotEpoch} and keeps it alive: a replication connection that created a
 * TEMPORARY logical slot with an exported snapshot, and then stays idle. PostgreSQL keeps the
 * exported snapshot importable until the next command on that connection or its end, and drops
 * the temporary slot when the connection ends; so closing this object (or losing the process)
 * ends the epoch and leaves nothing behind on the server.
 *
 * <p>Creating the slot waits until the transactions running at that moment have ended (that is
 * how PostgreSQL finds a consistent point). The exported snapshot holds back vacuum's xmin horizon
 * while it lives, which is why the enumerator closes it as soon as every chunk is read.
 *
 * <p>This is the only way pgwal aligns a snapshot with the WAL; it never pairs a snapshot with a
 * {@code pg_current_wal_lsn()} reading, whose order is not the order in which commits become
 * visible. Not thread-safe.
 */
public final class EpochHolder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EpochHolder.class);

    private final Connection connection;
    private final SnapshotEpoch epoch;
    private final String slotName;
    private final long openedAtMillis = System.currentTimeMillis();

    private EpochHolder(Connection connection, SnapshotEpoch epoch, String slotName) {
        this.connection = connection;
        this.epoch = epoch;
        this.slotName = slotName;
    }

    /**
     * Opens epoch {@code id}. Blocks until PostgreSQL finds a consistent point (the transactions
     * running now have ended).
     *
     * @throws PgWalException when the slot cannot be created (its message names the cause, e.g.
     *     {@code max_replication_slots} or a missing REPLICATION attribute)
     */
    public static EpochHolder open(PgWalConnectionConfig config, long id) {
        String slot = "pgwal_snapshot_" + Long.toHexString(ThreadLocalRandom.current().nextLong()
                & Long.MAX_VALUE);
        Connection c = ReplicationSetup.connect(config, true);
        try (Statement s = c.createStatement()) {
            int major = c.getMetaData().getDatabaseMajorVersion();
            // PostgreSQL 15 introduced the option list; 14 knows only the keyword form.
            String command = "CREATE_REPLICATION_SLOT " + slot + " TEMPORARY LOGICAL pgoutput "
                    + (major >= 15 ? "(SNAPSHOT 'export')" : "EXPORT_SNAPSHOT");
            try (ResultSet rs = s.executeQuery(command)) {
                rs.next();
                long lsn = LogSequenceNumber.valueOf(rs.getString("consistent_point")).asLong();
                SnapshotEpoch epoch = new SnapshotEpoch(id, rs.getString("snapshot_name"), lsn);
                LOG.info("Opened snapshot {} with temporary slot '{}'", epoch, slot);
                return new EpochHolder(c, epoch, slot);
            }
        } catch (SQLException e) {
            closeQuietly(c);
            String hint = "55000".equals(e.getSQLState()) || "53400".equals(e.getSQLState())
                    ? " The server has no free replication slot for the snapshot's temporary slot:"
                            + " raise max_replication_slots (and max_wal_senders) by one."
                    : "";
            throw new PgWalException("Cannot open a snapshot of " + config.jdbcUrl()
                    + " (CREATE_REPLICATION_SLOT ... TEMPORARY with an exported snapshot): "
                    + e.getMessage() + "." + hint, e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    public SnapshotEpoch epoch() {
        return epoch;
    }

    /** When the epoch was opened, in epoch milliseconds. */
    public long openedAtMillis() {
        return openedAtMillis;
    }

    /** Ends the epoch: the exported snapshot becomes invalid and the temporary slot is dropped. */
    @Override
    public void close() {
        closeQuietly(connection);
        LOG.info("Closed snapshot {} (temporary slot '{}')", epoch, slotName);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("Closing the snapshot's replication connection failed", e);
        }
    }
}
