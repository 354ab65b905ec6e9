package io.pgwal.source.enumerator;

import io.pgwal.catalog.PgCatalog;
import io.pgwal.PgWalException;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot's progress, in a {@code snapshot} group under the enumerator's metric group:
 * {@code tablesTotal}, {@code tablesDone}, {@code chunksTotal}, {@code chunksDone}, {@code
 * rowsRead} (rows of finished chunks), {@code rowsReadPerSecond}, {@code epochAgeMs} (how long
 * the open snapshot has held back vacuum; 0 when none is open) and {@code slotRetainedWalBytes}
 * (the WAL the slot retains while the snapshot runs, read every 2 s from {@code
 * pg_replication_slots}; -1 before the first reading, the last reading once the snapshot is done).
 */
final class SnapshotMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotMetrics.class);
    private static final Duration RETAINED_WAL_PERIOD = Duration.ofSeconds(2);

    private final Counter rowsRead;
    private volatile long retainedWalBytes = -1;

    SnapshotMetrics(MetricGroup enumeratorGroup, SnapshotChunks chunks, LongSupplier epochAgeMillis) {
        MetricGroup g = enumeratorGroup.addGroup("snapshot");
        g.gauge("tablesTotal", (Gauge<Integer>) chunks::tablesTotal);
        g.gauge("tablesDone", (Gauge<Integer>) chunks::tablesDone);
        g.gauge("chunksTotal", (Gauge<Integer>) chunks::chunksTotal);
        g.gauge("chunksDone", (Gauge<Integer>) chunks::chunksDone);
        g.gauge("epochAgeMs", (Gauge<Long>) epochAgeMillis::getAsLong);
        g.gauge("slotRetainedWalBytes", (Gauge<Long>) () -> retainedWalBytes);
        rowsRead = g.counter("rowsRead");
        g.meter("rowsReadPerSecond", new MeterView(rowsRead));
    }

    void rowsRead(long rows) {
        rowsRead.inc(rows);
    }

    /**
     * Reads, off the coordinator thread, the WAL that {@code config}'s slot retains, every 2 s
     * while {@code running} holds (the slot is not read while the snapshot runs).
     */
    void watchRetainedWal(SplitEnumeratorContext<?> context, PgWalConnectionConfig config,
            BooleanSupplier running) {
        context.callAsync(() -> running.getAsBoolean() ? readRetainedWal(config) : null,
                (bytes, error) -> {
                    if (bytes != null) {
                        retainedWalBytes = bytes;
                    } else if (error != null) {
                        LOG.debug("Reading the WAL the slot retains failed", error);
                    }
                }, RETAINED_WAL_PERIOD.toMillis(), RETAINED_WAL_PERIOD.toMillis());
    }

    /** Bytes of WAL between the server's position and the slot's restart LSN; null when unknown. */
    private static Long readRetainedWal(PgWalConnectionConfig config) throws SQLException {
        try (Connection c = ReplicationSetup.connect(config, false);
                PreparedStatement ps = c.prepareStatement("SELECT"
                        + " pg_catalog.pg_wal_lsn_diff(" + PgCatalog.SERVER_WAL_LSN + ","
                        + " restart_lsn)::int8 FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = ?")) {
            ps.setString(1, config.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (PgWalException e) {
            return null; // the server is away for a moment; the gauge keeps its last value
        }
    }
}
