package io.pgwal.source.reader;

import static io.pgwal.source.split.PgWalPosition.lsn;

import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.source.split.PgWalSplit;
import io.pgwal.source.split.PgWalSplitState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pgwal source reader: one fetcher thread reads the slot (see {@link PgWalSplitReader}); this
 * class emits the records and ties acknowledgements to checkpoints.
 *
 * <p>For each checkpoint it remembers the restart LSN in that checkpoint's state, and only when
 * Flink reports that checkpoint complete does it ask the fetcher to confirm that LSN to
 * PostgreSQL. Older pending checkpoints are dropped when a newer one completes; aborted ones
 * confirm nothing.
 */
public final class PgWalSourceReader
        extends SingleThreadMultiplexSourceReaderBase<
                PgWalFetchedRecord, GenericRecord, PgWalSplit, PgWalSplitState> {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalSourceReader.class);

    private final PgWalAckHandle acks;
    private final PgWalPendingPosition pending;
    private final TreeMap<Long, Long> restartLsnByCheckpoint = new TreeMap<>();

    public PgWalSourceReader(
            PgWalConnectionConfig config,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff,
            Configuration flinkConfig,
            SourceReaderContext context) {
        this(config, new PgWalAckHandle(), new PgWalPendingPosition(), maxBatchSize, maxReconnectAttempts, reconnectBackoff,
                flinkConfig, context);
    }

    private PgWalSourceReader(
            PgWalConnectionConfig config,
            PgWalAckHandle acks,
            PgWalPendingPosition pending,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff,
            Configuration flinkConfig,
            SourceReaderContext context) {
        super(
                () -> new PgWalSplitReader(config, acks, pending,
                        new PgWalReaderMetrics(context.metricGroup()), maxBatchSize,
                        maxReconnectAttempts, reconnectBackoff),
                new PgWalRecordEmitter(),
                flinkConfig,
                context);
        this.acks = acks;
        this.pending = pending;
    }

    @Override
    public List<PgWalSplit> snapshotState(long checkpointId) {
        List<PgWalSplit> splits = super.snapshotState(checkpointId);
        if (!splits.isEmpty()) {
            restartLsnByCheckpoint.put(checkpointId, splits.get(0).position().restartLsn());
        }
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Long restartLsn = restartLsnByCheckpoint.get(checkpointId);
        // This checkpoint subsumes every older one.
        restartLsnByCheckpoint.headMap(checkpointId, true).clear();
        if (restartLsn != null && restartLsn != 0L) {
            LOG.debug("Checkpoint {} complete: confirming {}", checkpointId, lsn(restartLsn));
            acks.request(restartLsn);
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        super.notifyCheckpointAborted(checkpointId);
        restartLsnByCheckpoint.remove(checkpointId);
    }

    /** The LSN most recently handed to the fetcher for confirmation (0 when none); for tests. */
    public long requestedAcknowledgement() {
        return acks.requested();
    }

    @Override
    protected void onSplitFinished(Map<String, PgWalSplitState> finishedSplitIds) {
        finishedSplitIds.values().forEach(s -> LOG.info("Finished reading at {}", s.position()));
    }

    @Override
    protected PgWalSplitState initializedState(PgWalSplit split) {
        return new PgWalSplitState(split);
    }

    @Override
    protected PgWalSplit toSplitType(String splitId, PgWalSplitState state) {
        // Checkpoints include commits and idle WAL-end advances that followed the last emitted record.
        state.setPosition(pending.resolve(state.emittedSequence(), state.position()));
        return state.toSplit();
    }
}
