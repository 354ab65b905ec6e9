package io.pgwal.source.enumerator;

import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.snapshot.EpochHolder;
import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotFilter;
import io.pgwal.snapshot.SnapshotPlanner;
import io.pgwal.source.StartupMode;
import io.pgwal.source.event.SnapshotEvents.ChunksEmitted;
import io.pgwal.source.event.SnapshotEvents.ChunksFinished;
import io.pgwal.source.event.SnapshotEvents.EpochExpired;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import io.pgwal.source.event.SnapshotEvents.NewEpoch;
import io.pgwal.source.event.SnapshotEvents.SnapshotComplete;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.source.split.PgWalSnapshotSplit;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out the splits: first the chunks of the initial snapshot (if any) to whichever readers ask,
 * then the one stream split. A slot can only be streamed by one connection, so however many
 * readers run, exactly one streams; the others stay idle (unbounded) or finish (bounded).
 *
 * <p><b>Snapshot.</b> The enumerator opens an epoch ({@link EpochHolder}: a temporary slot with an
 * exported snapshot, kept open here), plans the chunks inside it, and assigns them. A reader
 * reports a chunk finished only once it was emitted before a checkpoint that completed, so the
 * enumerator's record of finished chunks can never be rolled back by a restore. When every chunk is
 * finished, the epoch is closed and the stream split is created with the {@link SnapshotFilter} of
 * the chunks' epoch LSNs: its first record is emitted after every snapshot record has passed a
 * completed checkpoint's barrier on every channel, so with aligned checkpoints each key's snapshot
 * record reaches every downstream operator before the key's later changes. (With unaligned
 * checkpoints, records that a barrier overtook may still be in flight when it completes.) A
 * snapshot-only source has no stream to order against: it is done once every chunk was emitted.
 * The stream starts at the slot, which existed before the first epoch, so at or before every
 * epoch's LSN.
 *
 * <p>When an epoch's session is lost (JobManager failover, server restart), readers report its
 * snapshot expired and the unfinished chunks are read in a new epoch; the stream filter then judges
 * such a table's changes per chunk.
 *
 * <p>Runs in the JobManager's coordinator thread; blocking work (opening an epoch, planning) runs
 * through {@link SplitEnumeratorContext#callAsync}.
 */
public final class PgWalEnumerator implements SplitEnumerator<PgWalSourceSplit, PgWalEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalEnumerator.class);

    private final SplitEnumeratorContext<PgWalSourceSplit> context;
    private final PgWalConnectionConfig config;
    private final StartupMode mode;
    private final long stopLsn;
    private final SnapshotMetrics metrics;

    private PgWalSplit unassignedStream;
    private boolean streamCreated;
    private final SnapshotChunks snapshot;
    private final Deque<Integer> pending = new ArrayDeque<>();
    /**
     * Chunks emitted but not yet held by a completed checkpoint, by reader: a failover of that
     * reader takes them back (the chunk returns through addSplitsBack, or the restored reader reads
     * it again). Not checkpointed.
     */
    private final Map<Integer, Map<Integer, FinishedChunk>> emitted = new HashMap<>();
    private boolean warnedUnconfirmed;
    /**
     * After the snapshot finished: {@code Long.MAX_VALUE} until a checkpoint holds that, then that
     * checkpoint's id until it completes, then -1 (readers were told to drop their markers).
     */
    private long markersNeededUntil = -1;

    @Nullable private EpochHolder epoch;
    private final EpochOpener epochs;
    private final Set<Integer> waitingForSplit = new LinkedHashSet<>();
    private final Set<Integer> waitingForEpoch = new LinkedHashSet<>();
    /**
     * Readers told that no more splits come. Each reader attempt is told once: a second event to a
     * reader that already finished would be lost, and Flink fails the job for a lost event.
     */
    private final Set<Integer> toldNoMoreSplits = new java.util.HashSet<>();
    private volatile boolean snapshotRunning;

    public PgWalEnumerator(
            SplitEnumeratorContext<PgWalSourceSplit> context,
            PgWalConnectionConfig config,
            StartupMode mode,
            long stopLsn,
            int chunkRows,
            long chunkBytes,
            PgWalEnumeratorState state) {
        this.context = context;
        this.config = config;
        this.mode = mode;
        this.stopLsn = stopLsn;
        this.unassignedStream = state.unassignedSplit();
        this.streamCreated = state.streamCreated();
        this.snapshot = new SnapshotChunks(state.tables(), state.chunks(), state.finishedChunks());
        this.pending.addAll(state.pendingChunks());
        this.epochs = new EpochOpener(context, config, mode.streams(), chunkRows, chunkBytes,
                state.lastEpochId());
        this.metrics = new SnapshotMetrics(context.metricGroup(), snapshot, this::epochAgeMillis);
        if (streamCreated && snapshot.planned()) {
            // Restored after a snapshot: restored readers may hold markers again; let them go
            // once a checkpoint of this enumerator has completed.
            markersNeededUntil = Long.MAX_VALUE;
        }
    }

    /** The state of a fresh source: the stream split at once, or first a snapshot to plan. */
    public static PgWalEnumeratorState initialState(StartupMode mode, long stopLsn) {
        return mode.snapshots()
                ? new PgWalEnumeratorState(null, false, null, null, List.of(), Map.of(), 0L)
                : PgWalEnumeratorState.streamOnly(new PgWalSplit(PgWalPosition.INITIAL, stopLsn));
    }

    @Override
    public void start() {
        LOG.info("pgwal enumerator started ({}): {}", mode, describe());
        snapshotRunning = !streamCreated;
        if (!streamCreated && (!snapshot.planned() || !pending.isEmpty())) {
            openEpoch();
        }
        if (!streamCreated && mode.streams()) {
            metrics.watchRetainedWal(context, config, () -> snapshotRunning);
        }
    }

    private String describe() {
        if (streamCreated) {
            return "stream split " + (unassignedStream == null ? "held by a reader" : unassignedStream);
        }
        return snapshot.toString();
    }

    // ---------------------------------------------------------------- assignment

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        waitingForSplit.add(subtaskId);
        assign();
    }

    @Override
    public void addReader(int subtaskId) {
        toldNoMoreSplits.remove(subtaskId); // a new attempt of this reader
        // A reader registering again was restarted: what it emitted since its last completed
        // checkpoint was taken back.
        Map<Integer, FinishedChunk> lost = emitted.remove(subtaskId);
        if (lost != null && !lost.isEmpty() && !mode.streams()) {
            LOG.info("Reader {} restarted: {} chunks it emitted since its last checkpoint are"
                    + " read again", subtaskId, lost.size());
            streamCreated = false;
        }
        if (streamCreated || !mode.streams()) {
            // Readers of a streaming source do not ask; the stream split goes to the first one.
            assign();
        }
    }

    @Override
    public void addSplitsBack(List<PgWalSourceSplit> splits, int subtaskId) {
        // Splits assigned to a failed reader after its last completed checkpoint.
        for (PgWalSourceSplit s : splits) {
            if (s instanceof PgWalSplit stream) {
                unassignedStream = stream;
                LOG.info("Stream split returned by failed reader {}: {}", subtaskId, stream);
            } else {
                int id = ((PgWalSnapshotSplit) s).chunk().id();
                if (!snapshot.isFinished(id) && !pending.contains(id)) {
                    pending.addFirst(id);
                    if (!mode.streams()) {
                        streamCreated = false; // a snapshot-only source is not done after all
                    }
                }
            }
        }
        Map<Integer, FinishedChunk> lost = emitted.remove(subtaskId);
        if (lost != null && !lost.isEmpty() && !mode.streams()) {
            streamCreated = false;
        }
        waitingForSplit.remove(subtaskId);
        waitingForEpoch.remove(subtaskId);
    }

    private void assign() {
        if (streamCreated && !mode.streams()) {
            // A snapshot-only source whose snapshot is done: every reader finishes.
            signalNoMoreSplits();
            return;
        }
        if (streamCreated) {
            assignStream();
            return;
        }
        if (epoch == null) {
            if (!pending.isEmpty() || !snapshot.planned()) {
                openEpoch();
            }
            return;
        }
        var readers = context.registeredReaders().keySet();
        var it = waitingForSplit.iterator();
        while (it.hasNext() && !pending.isEmpty()) {
            int subtask = it.next();
            if (!readers.contains(subtask)) {
                continue;
            }
            SnapshotChunk chunk = snapshot.chunk(pending.pollFirst());
            snapshot.assigned(chunk);
            context.assignSplit(new PgWalSnapshotSplit(snapshot.tableOf(chunk), chunk,
                    epoch.epoch(), -1L), subtask);
            it.remove();
        }
    }

    private void assignStream() {
        if (unassignedStream != null && !context.registeredReaders().isEmpty()) {
            int reader = new TreeSet<>(context.registeredReaders().keySet()).first();
            LOG.info("Assigning {} to reader {}", unassignedStream, reader);
            context.assignSplit(unassignedStream, reader);
            unassignedStream = null;
            waitingForSplit.remove(reader);
        }
        if (stopLsn != 0L && unassignedStream == null) {
            signalNoMoreSplits();
        }
    }

    /** Tells every registered reader, once per attempt, that no more splits come. */
    private void signalNoMoreSplits() {
        for (int reader : context.registeredReaders().keySet()) {
            if (toldNoMoreSplits.add(reader)) {
                context.signalNoMoreSplits(reader);
            }
        }
    }

    // ---------------------------------------------------------------- epochs

    /** Opens a new epoch (and plans the snapshot if there is no plan yet) off this thread. */
    /** Opens a new epoch (and plans the snapshot if there is no plan yet) off this thread. */
    private void openEpoch() {
        if (epoch == null) {
            epochs.open(!snapshot.planned(), this::opened);
        }
    }

    private void opened(EpochHolder holder, @Nullable SnapshotPlanner.Plan plan) {
        epoch = holder;
        if (plan != null) {
            snapshot.plan(plan);
            for (SnapshotChunk c : snapshot.chunks()) {
                pending.add(c.id());
            }
            LOG.info("Snapshot planned in {}: {}", epoch.epoch(), snapshot);
        }
        for (int subtask : waitingForEpoch) {
            context.sendEventToSourceReader(subtask, new NewEpoch(epoch.epoch()));
        }
        waitingForEpoch.clear();
        if (snapshot.allFinished()) {
            snapshotFinished();
        } else {
            assign();
        }
    }

    // ---------------------------------------------------------------- events

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof ChunksFinished f) {
            Map<Integer, FinishedChunk> unconfirmed = emitted.get(subtaskId);
            for (FinishedChunk c : f.chunks()) {
                if (unconfirmed != null) {
                    unconfirmed.remove(c.chunkId());
                }
                if (snapshot.finish(c)) {
                    pending.remove(c.chunkId());
                    metrics.rowsRead(c.rows());
                }
            }
            if (!streamCreated && snapshot.allFinished()) {
                snapshotFinished();
            }
        } else if (event instanceof ChunksEmitted e) {
            for (FinishedChunk c : e.chunks()) {
                if (!snapshot.isFinished(c.chunkId())) {
                    emitted.computeIfAbsent(subtaskId, k -> new HashMap<>()).put(c.chunkId(), c);
                }
            }
            long unconfirmed = emitted.values().stream().mapToLong(Map::size).sum();
            if (!streamCreated && snapshot.planned() && unconfirmed == snapshot.unfinished()) {
                if (!mode.streams()) {
                    // Nothing to order against: a snapshot-only source is done once every chunk
                    // was emitted (a failover before the next checkpoint makes it read them again).
                    snapshotFinished();
                } else if (!warnedUnconfirmed) {
                    warnedUnconfirmed = true;
                    context.callAsync(() -> null, (r, t) -> warnIfUnconfirmed(),
                            UNCONFIRMED_WARNING.toMillis(), UNCONFIRMED_WARNING.toMillis());
                }
            }
        } else if (event instanceof EpochExpired e) {
            if (epoch != null && epoch.epoch().id() > e.epochId()) {
                context.sendEventToSourceReader(subtaskId, new NewEpoch(epoch.epoch()));
                return;
            }
            if (epoch != null) {
                LOG.warn("The snapshot of {} is gone (the server may have restarted); opening a"
                        + " new epoch", epoch.epoch());
                epoch.close();
                epoch = null;
            }
            waitingForEpoch.add(subtaskId);
            openEpoch();
        } else {
            LOG.warn("Ignoring unknown source event {} from reader {}", event, subtaskId);
        }
    }

    private static final java.time.Duration UNCONFIRMED_WARNING = java.time.Duration.ofSeconds(60);

    /** Every chunk was emitted, but checkpoints do not confirm them: is checkpointing off? */
    private void warnIfUnconfirmed() {
        if (!streamCreated) {
            LOG.warn("Every snapshot chunk was emitted, but no completed checkpoint holds {} of"
                    + " them yet, and the stream starts only after one does. Enable checkpointing"
                    + " (the slot is only confirmed by checkpoints, too)", snapshot.unfinished());
        }
    }

    /** Every chunk is finished: end the epoch, then create the stream split or finish. */
    private void snapshotFinished() {
        snapshotRunning = false;
        if (epoch != null) {
            epoch.close();
            epoch = null;
        }
        LOG.info("Snapshot finished: {} tables, {} chunks, {} rows", snapshot.tables().size(),
                snapshot.chunks().size(), snapshot.rows());
        // Readers drop their finished-chunk markers only once a completed checkpoint of this
        // enumerator holds every chunk finished (see notifyCheckpointComplete).
        markersNeededUntil = Long.MAX_VALUE;
        streamCreated = true;
        if (!mode.streams()) {
            assign();
            return;
        }
        SnapshotFilter filter = snapshot.filter();
        unassignedStream = new PgWalSplit(PgWalPosition.INITIAL, stopLsn,
                filter.tables().isEmpty() ? null : filter);
        LOG.info("Streaming from the slot after the snapshot, leaving out changes it holds ({})",
                filter);
        assignStream();
    }

    // ---------------------------------------------------------------- checkpoints

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (markersNeededUntil >= 0 && markersNeededUntil != Long.MAX_VALUE
                && checkpointId >= markersNeededUntil) {
            markersNeededUntil = -1;
            for (int reader : context.registeredReaders().keySet()) {
                context.sendEventToSourceReader(reader, new SnapshotComplete());
            }
        }
    }

    @Override
    public PgWalEnumeratorState snapshotState(long checkpointId) {
        if (markersNeededUntil == Long.MAX_VALUE) {
            markersNeededUntil = checkpointId; // the first checkpoint that holds the whole snapshot
        }
        return new PgWalEnumeratorState(unassignedStream, streamCreated, snapshot.tables(),
                snapshot.chunks(), List.copyOf(pending), Map.copyOf(snapshot.finished()),
                epochs.lastEpochId());
    }

    @Override
    public void close() {
        if (epoch != null) {
            epoch.close();
            epoch = null;
        }
    }

    // ---------------------------------------------------------------- for metrics

    /** Milliseconds since the open epoch began, 0 when none is open. */
    long epochAgeMillis() {
        EpochHolder e = epoch;
        return e == null ? 0L : System.currentTimeMillis() - e.openedAtMillis();
    }

    @Override
    public String toString() {
        return "PgWalEnumerator{" + mode + ", " + describe() + "}";
    }
}
