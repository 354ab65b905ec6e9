package io.pgwal.source.reader;

import io.pgwal.catalog.PgCatalog;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the slot's state from {@code pg_replication_slots} every period, on a thread and a plain
 * connection of its own (never the replication connection), for the reader's metrics: the WAL the
 * slot retains, how far its confirmed position lags the server, {@code wal_status} and {@code
 * safe_wal_size} (PostgreSQL 13+), and the server's WAL position. Values are -1 (or null for the
 * status) until the first successful read; a failed read keeps the last values and retries.
 */
final class PgWalSlotMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalSlotMonitor.class);

    private static final String QUERY = "SELECT " + PgCatalog.SERVER_WAL_LSN + "::text,"
            + " (" + PgCatalog.SERVER_WAL_LSN + " - restart_lsn)::int8,"
            + " (" + PgCatalog.SERVER_WAL_LSN + " - confirmed_flush_lsn)::int8,"
            + " wal_status, safe_wal_size FROM pg_catalog.pg_replication_slots"
            + " WHERE slot_name = ?";

    private final PgWalConnectionConfig config;
    private final ScheduledExecutorService timer;
    private Connection connection;
    private volatile long serverWalLsn = -1;
    private volatile long retainedWalBytes = -1;
    private volatile long confirmedLagBytes = -1;
    private volatile long safeWalSize = -1;
    private volatile String walStatus;
    private boolean started;

    PgWalSlotMonitor(PgWalConnectionConfig config) {
        this.config = config;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwal-slot-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts reading every {@code period} (once; later calls do nothing). */
    void start(Duration period) {
        if (!started) {
            started = true;
            timer.scheduleWithFixedDelay(this::read, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void read() {
        try {
            if (connection == null) {
                connection = ReplicationSetup.connectWithReadTimeout(config);
            }
            try (PreparedStatement ps = connection.prepareStatement(QUERY)) {
                ps.setString(1, config.slotName());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        serverWalLsn = org.postgresql.replication.LogSequenceNumber
                                .valueOf(rs.getString(1)).asLong();
                        retainedWalBytes = rs.getLong(2);
                        confirmedLagBytes = rs.getLong(3);
                        walStatus = rs.getString(4);
                        long safe = rs.getLong(5);
                        safeWalSize = rs.wasNull() ? -1 : safe;
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Reading the state of slot '{}' failed", config.slotName(), e);
            closeConnection();
        }
    }

    /** The server's WAL position ({@link PgCatalog#SERVER_WAL_LSN}), or -1. */
    long serverWalLsn() {
        return serverWalLsn;
    }

    /** Bytes of WAL the slot keeps (server position − restart_lsn), or -1. */
    long retainedWalBytes() {
        return retainedWalBytes;
    }

    /** Bytes between the server position and the slot's confirmed_flush_lsn, or -1. */
    long confirmedLagBytes() {
        return confirmedLagBytes;
    }

    /** {@code safe_wal_size}: bytes that can still be written before the slot is lost; -1. */
    long safeWalSize() {
        return safeWalSize;
    }

    /** {@code wal_status}: reserved, extended, unreserved or lost; null when unknown. */
    String walStatus() {
        return walStatus;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the slot monitor's connection failed", e);
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
