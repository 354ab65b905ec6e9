package io.pgwal.source.reader;

import io.pgwal.replication.ReplicationSession;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.runtime.metrics.MetricNames;

/**
 * The reader's metrics. In the source reader's group, with Flink's standard names: {@code
 * currentFetchEventTimeLag} (milliseconds from a change's commit to its fetch; Flink itself
 * reports {@code currentEmitEventTimeLag}, to its emit, from the record timestamps) and {@code
 * pendingBytes} (the server's WAL position minus the received one, -1 until known). In a {@code
 * pgwal} group: the received and confirmed LSNs (as numbers; the X/Y form is in the logs),
 * transactions read, reconnects, keepalives sent while backpressured, milliseconds since the
 * received position last moved, skipped non-transactional messages, snapshot rows read by this
 * reader, stream changes left out because the snapshot held them, and the slot's state read from
 * the server ({@link PgWalSlotMonitor}: retained WAL bytes, confirmed-LSN lag in bytes, {@code
 * wal_status}, {@code safe_wal_size}). Written by the fetcher thread, read by the reporters.
 */
final class PgWalReaderMetrics {

    private volatile long receivedLsn;
    private volatile long acknowledgedLsn;
    private volatile long restartLsn;
    private volatile long transactions;
    private volatile long droppedMessages;
    private volatile long leftOutBySnapshot;
    private volatile long fetchLagMillis = -1;
    private volatile long receivedAtMillis = -1;
    private final Counter reconnects;
    private final Counter snapshotRows;
    private final MetricGroup group;
    private final SourceReaderMetricGroup readerGroup;

    PgWalReaderMetrics(SourceReaderMetricGroup readerGroup) {
        this.readerGroup = readerGroup;
        readerGroup.gauge(MetricNames.CURRENT_FETCH_EVENT_TIME_LAG, () -> fetchLagMillis);
        MetricGroup g = readerGroup.addGroup("pgwal");
        this.group = g;
        g.gauge("receivedLsn", () -> receivedLsn);
        g.gauge("acknowledgedLsn", () -> acknowledgedLsn);
        g.gauge("restartLsn", () -> restartLsn);
        g.gauge("transactions", () -> transactions);
        g.gauge("nonTransactionalMessagesSkipped", () -> droppedMessages);
        g.gauge("changesLeftOutBySnapshot", () -> leftOutBySnapshot);
        g.gauge("millisSinceReceive", () -> receivedAtMillis < 0 ? -1L
                : System.currentTimeMillis() - receivedAtMillis);
        reconnects = g.counter("reconnects");
        snapshotRows = g.counter("snapshotRowsRead");
    }

    /** Registers the slot monitor's values, and pendingBytes from its server position. */
    void slot(PgWalSlotMonitor monitor) {
        group.gauge("slotRetainedWalBytes", monitor::retainedWalBytes);
        group.gauge("slotConfirmedLagBytes", monitor::confirmedLagBytes);
        group.gauge("slotSafeWalSize", monitor::safeWalSize);
        group.gauge("slotWalStatus", monitor::walStatus);
        readerGroup.setPendingBytesGauge(() -> {
            long server = monitor.serverWalLsn();
            long received = receivedLsn;
            return server < 0 || received == 0 ? -1L : Math.max(0L, server - received);
        });
    }

    /** A change committed at {@code commitMillis} (epoch milliseconds) was fetched now. */
    void fetched(long commitMillis) {
        if (commitMillis > 0) {
            fetchLagMillis = Math.max(0L, System.currentTimeMillis() - commitMillis);
        }
    }

    void snapshotRows(long rows) {
        snapshotRows.inc(rows);
    }

    void update(PgWalChangeProcessor processor, ReplicationSession session) {
        long received = session.lastReceiveLsn().asLong();
        if (received != receivedLsn || receivedAtMillis < 0) {
            receivedAtMillis = System.currentTimeMillis();
        }
        receivedLsn = received;
        restartLsn = processor.position().restartLsn();
        transactions = processor.transactions();
        droppedMessages = processor.nonTransactionalMessagesDropped();
        leftOutBySnapshot = processor.leftOutBySnapshot();
    }

    void acknowledged(long lsn) {
        acknowledgedLsn = lsn;
    }

    /**
     * Status updates sent while the fetcher could not poll (backpressure), which kept the
     * connection from the server's {@code wal_sender_timeout}.
     */
    void keepAlives(java.util.function.LongSupplier sent) {
        group.gauge("keepAlivesWhileBlocked", sent::getAsLong);
    }

    void reconnected() {
        reconnects.inc();
    }
}
