package io.pgwal.source.enumerator;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The snapshot's progress, in a {@code snapshot} group under the enumerator's metric group:
 * {@code tablesTotal}, {@code tablesDone}, {@code chunksTotal}, {@code chunksDone}, {@code
 * rowsRead} (rows of finished chunks), {@code rowsReadPerSecond}, and {@code epochAgeMs} (how long
 * the open snapshot has held back vacuum; 0 when none is open) and {@code slotRetainedWalBytes}
 * (the WAL the slot retains while the snapshot runs, read every 2 s from {@code
 * pg_replication_slots}; -1 before the first reading, the last reading once the snapshot is done).
 */
final class SnapshotMetrics {

    private final Counter rowsRead;

    SnapshotMetrics(MetricGroup enumeratorGroup, PgWalEnumerator enumerator) {
        MetricGroup g = enumeratorGroup.addGroup("snapshot");
        g.gauge("tablesTotal", (Gauge<Integer>) enumerator::tablesTotal);
        g.gauge("tablesDone", (Gauge<Integer>) enumerator::tablesDone);
        g.gauge("chunksTotal", (Gauge<Integer>) enumerator::chunksTotal);
        g.gauge("chunksDone", (Gauge<Integer>) enumerator::chunksDone);
        g.gauge("epochAgeMs", (Gauge<Long>) enumerator::epochAgeMillis);
        g.gauge("slotRetainedWalBytes", (Gauge<Long>) enumerator::retainedWalBytes);
        rowsRead = g.counter("rowsRead");
        g.meter("rowsReadPerSecond", new MeterView(rowsRead));
    }

    void rowsRead(long rows) {
        rowsRead.inc(rows);
    }
}
