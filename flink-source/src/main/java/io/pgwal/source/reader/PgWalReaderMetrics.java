package io.pgwal.source.reader;

import io.pgwal.replication.ReplicationSession;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The reader's metrics, in a {@code pgwal} group under the source reader's metric group: the
 * received and confirmed LSNs (as numbers; the X/Y form is in the logs), transactions read,
 * reconnects, skipped non-transactional messages, snapshot rows read by this reader and stream
 * changes left out because the snapshot held them. Written by the fetcher thread, read by the
 * metric reporters.
 */
final class PgWalReaderMetrics {

    private volatile long receivedLsn;
    private volatile long acknowledgedLsn;
    private volatile long restartLsn;
    private volatile long transactions;
    private volatile long droppedMessages;
    private volatile long leftOutBySnapshot;
    private final Counter reconnects;
    private final Counter snapshotRows;
    private final MetricGroup group;

    PgWalReaderMetrics(MetricGroup readerGroup) {
        MetricGroup g = readerGroup.addGroup("pgwal");
        this.group = g;
        g.gauge("receivedLsn", () -> receivedLsn);
        g.gauge("acknowledgedLsn", () -> acknowledgedLsn);
        g.gauge("restartLsn", () -> restartLsn);
        g.gauge("transactions", () -> transactions);
        g.gauge("nonTransactionalMessagesSkipped", () -> droppedMessages);
        g.gauge("changesLeftOutBySnapshot", () -> leftOutBySnapshot);
        reconnects = g.counter("reconnects");
        snapshotRows = g.counter("snapshotRowsRead");
    }

    void snapshotRows(long rows) {
        snapshotRows.inc(rows);
    }

    void update(PgWalChangeProcessor processor, ReplicationSession session) {
        receivedLsn = session.lastReceiveLsn().asLong();
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
