package io.pgwal.source.reader;

import static io.pgwal.source.split.PgWalPosition.lsn;

import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.snapshot.PairedChunkConverter;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.source.event.SnapshotEvents.ChunksEmitted;
import io.pgwal.source.event.SnapshotEvents.ChunksFinished;
import io.pgwal.source.event.SnapshotEvents.EpochExpired;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import io.pgwal.source.event.SnapshotEvents.NewEpoch;
import io.pgwal.source.event.SnapshotEvents.SnapshotComplete;
import io.pgwal.source.split.PgWalSnapshotSplit;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplitState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pgwal source reader: one fetcher thread reads its splits (see {@link PgWalSplitReader});
 * this class emits the records and ties acknowledgements to checkpoints.
 *
 * <p><b>Stream split.</b> For each checkpoint it remembers the restart LSN in that checkpoint's
 * state, and only when Flink reports that checkpoint complete does it ask the fetcher to confirm
 * that LSN to PostgreSQL. Older pending checkpoints are dropped when a newer one completes; aborted
 * ones confirm nothing.
 *
 * <p><b>Snapshot splits.</b> A finished chunk stays in this reader's checkpoints as a marker. Only
 * when a checkpoint holding the marker completes is the chunk reported finished to the enumerator,
 * so no restore can take back what the enumerator was told; before that it is reported as merely
 * emitted. The markers are dropped when the enumerator says the snapshot is complete.
 */
public final class PgWalSourceReader
        extends SingleThreadMultiplexSourceReaderBase<
                PgWalFetchedRecord, GenericRecord, PgWalSourceSplit, PgWalSplitState> {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalSourceReader.class);

    private final PgWalAckHandle acks;
    private final PgWalPendingPosition pending;
    private final PgWalEpochHandle epochs;
    private final TreeMap<Long, Long> restartLsnByCheckpoint = new TreeMap<>();
    /** Finished chunks by id; {@code reported} holds those the enumerator was told of. */
    private final Map<Integer, PgWalSnapshotSplit> markers = new LinkedHashMap<>();
    private final Map<Integer, Boolean> reported = new LinkedHashMap<>();
    private final TreeMap<Long, List<Integer>> markersByCheckpoint = new TreeMap<>();
    /**
     * Unfinished chunks this reader holds. It asks for the next chunk while it still has one, so
     * the fetcher reads a chunk while the task thread emits the previous one.
     */
    private int chunksHeld;
    private final PairedChunkConverter chunkConverter;
    private static final int CHUNKS_AHEAD = 3;

    public PgWalSourceReader(
            PgWalConnectionConfig config,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff,
            Configuration flinkConfig,
            SourceReaderContext context) {
        // One set of metrics per reader: Flink may close an idle fetcher and start a new one (with
        // a new split reader), and a second registration of the same names would be ignored.
        this(config, new PgWalAckHandle(), new PgWalPendingPosition(), new PgWalEpochHandle(),
                new ExpiredEpochs(), new PgWalReaderMetrics(context.metricGroup()),
                new PairedChunkConverter(config.database(), config.unrepresentableValues(),
                        "pgwal chunk converter " + context.getIndexOfSubtask()),
                maxBatchSize, maxReconnectAttempts, reconnectBackoff, flinkConfig, context);
    }

    private PgWalSourceReader(
            PgWalConnectionConfig config,
            PgWalAckHandle acks,
            PgWalPendingPosition pending,
            PgWalEpochHandle epochs,
            ExpiredEpochs expired,
            PgWalReaderMetrics metrics,
            PairedChunkConverter chunkConverter,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff,
            Configuration flinkConfig,
            SourceReaderContext context) {
        super(
                () -> new PgWalSplitReader(config, acks, pending, epochs, metrics, maxBatchSize,
                        maxReconnectAttempts, reconnectBackoff),
                new PgWalRecordEmitter(expired, chunkConverter),
                flinkConfig,
                context);
        this.acks = acks;
        this.pending = pending;
        this.epochs = epochs;
        this.chunkConverter = chunkConverter;
        expired.reader = this;
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            chunkConverter.close();
        }
    }

    /** Forwards the emitter's news of an expired epoch to the reader (both on the task thread). */
    private static final class ExpiredEpochs implements java.util.function.Consumer<SnapshotEpoch> {
        PgWalSourceReader reader;

        @Override
        public void accept(SnapshotEpoch epoch) {
            LOG.info("The snapshot of {} is no longer available; asking for a new epoch", epoch);
            reader.context.sendSourceEventToCoordinator(new EpochExpired(epoch.id()));
        }
    }

    @Override
    public void start() {
        // Chunks are handed out on request; a streaming-only source's split comes on its own.
        context.sendSplitRequest();
    }

    @Override
    public void addSplits(List<PgWalSourceSplit> splits) {
        List<PgWalSourceSplit> toRead = new ArrayList<>(splits.size());
        List<FinishedChunk> restored = new ArrayList<>();
        for (PgWalSourceSplit s : splits) {
            if (s instanceof PgWalSnapshotSplit chunk && chunk.isFinished()) {
                // A marker restored from a completed checkpoint: final, report it (again).
                markers.put(chunk.chunk().id(), chunk);
                reported.put(chunk.chunk().id(), true);
                restored.add(finishedChunk(chunk));
            } else {
                toRead.add(s);
            }
        }
        if (!restored.isEmpty()) {
            context.sendSourceEventToCoordinator(new ChunksFinished(restored));
        }
        if (!toRead.isEmpty()) {
            super.addSplits(toRead);
        }
        long chunks = toRead.stream().filter(PgWalSnapshotSplit.class::isInstance).count();
        chunksHeld += (int) chunks;
        if (chunks > 0 && chunksHeld < CHUNKS_AHEAD) {
            context.sendSplitRequest();
        }
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof NewEpoch e) {
            epochs.offer(e.epoch());
        } else if (event instanceof SnapshotComplete) {
            markers.clear();
            reported.clear();
            markersByCheckpoint.clear();
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public List<PgWalSourceSplit> snapshotState(long checkpointId) {
        List<PgWalSourceSplit> splits = new ArrayList<>(super.snapshotState(checkpointId));
        for (PgWalSourceSplit s : splits) {
            if (s instanceof io.pgwal.source.split.PgWalSplit stream) {
                restartLsnByCheckpoint.put(checkpointId, stream.position().restartLsn());
            }
        }
        List<Integer> unreported = new ArrayList<>();
        markers.forEach((id, marker) -> {
            splits.add(marker);
            if (!reported.getOrDefault(id, false)) {
                unreported.add(id);
            }
        });
        if (!unreported.isEmpty()) {
            markersByCheckpoint.put(checkpointId, unreported);
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
        List<FinishedChunk> now = new ArrayList<>();
        for (List<Integer> ids : markersByCheckpoint.headMap(checkpointId, true).values()) {
            for (int id : ids) {
                PgWalSnapshotSplit marker = markers.get(id);
                if (marker != null && reported.put(id, true) != Boolean.TRUE) {
                    now.add(finishedChunk(marker));
                }
            }
        }
        markersByCheckpoint.headMap(checkpointId, true).clear();
        if (!now.isEmpty()) {
            context.sendSourceEventToCoordinator(new ChunksFinished(now));
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        super.notifyCheckpointAborted(checkpointId);
        restartLsnByCheckpoint.remove(checkpointId);
        markersByCheckpoint.remove(checkpointId);
    }

    /** The LSN most recently handed to the fetcher for confirmation (0 when none); for tests. */
    public long requestedAcknowledgement() {
        return acks.requested();
    }

    @Override
    protected void onSplitFinished(Map<String, PgWalSplitState> finishedSplitIds) {
        boolean chunkDone = false;
        for (PgWalSplitState s : finishedSplitIds.values()) {
            if (s.isStream()) {
                LOG.info("Finished reading at {}", s.position());
                continue;
            }
            PgWalSnapshotSplit marker = s.chunk();
            markers.put(marker.chunk().id(), marker);
            chunkDone = true;
            chunksHeld--;
            // Final only once a completed checkpoint holds it (see notifyCheckpointComplete); until
            // then the enumerator learns that it was emitted, which a snapshot-only source (maybe
            // running without checkpoints) needs to finish.
            context.sendSourceEventToCoordinator(new ChunksEmitted(List.of(finishedChunk(marker))));
        }
        if (chunkDone && chunksHeld < CHUNKS_AHEAD) {
            context.sendSplitRequest();
        }
    }

    private static FinishedChunk finishedChunk(PgWalSnapshotSplit marker) {
        return new FinishedChunk(marker.chunk().id(), marker.epoch().id(), marker.epoch().lsn(),
                marker.finishedRows());
    }

    @Override
    protected PgWalSplitState initializedState(PgWalSourceSplit split) {
        return new PgWalSplitState(split);
    }

    @Override
    protected PgWalSourceSplit toSplitType(String splitId, PgWalSplitState state) {
        if (state.isStream()) {
            // Checkpoints include commits and idle WAL-end advances that followed the last record.
            state.setPosition(pending.resolve(state.emittedSequence(), state.position()));
        }
        return state.toSplit();
    }
}
