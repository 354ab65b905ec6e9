package io.pgwal.source.enumerator;

import io.pgwal.PgWalException;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.snapshot.EpochHolder;
import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotFilter;
import io.pgwal.snapshot.SnapshotPlanner;
import io.pgwal.snapshot.SnapshotTable;
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
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
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
    private final int chunkRows;
    private final long chunkBytes;
    private final SnapshotMetrics metrics;

    private PgWalSplit unassignedStream;
    private boolean streamCreated;
    private List<SnapshotTable> tables;
    private List<SnapshotChunk> chunks;
    private final Deque<Integer> pending = new ArrayDeque<>();
    private final Map<Integer, FinishedChunk> finished = new LinkedHashMap<>();
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
    private long lastEpochId;

    @Nullable private EpochHolder epoch;
    private boolean opening;
    /** Failed attempts to open an epoch in a row (transient failures are retried with backoff). */
    private int openFailures;
    private final Set<Integer> waitingForSplit = new LinkedHashSet<>();
    private final Set<Integer> waitingForEpoch = new LinkedHashSet<>();
    /**
     * Readers told that no more splits come. Each reader attempt is told once: a second event to a
     * reader that already finished would be lost, and Flink fails the job for a lost event.
     */
    private final Set<Integer> toldNoMoreSplits = new java.util.HashSet<>();
    private final Map<Integer, Long> tableStartNanos = new HashMap<>();
    // Read by metric reporters on other threads.
    private volatile int tablesTotal;
    private volatile int tablesDone;
    private volatile int chunksTotal;
    private volatile int chunksDone;
    private volatile long retainedWalBytes = -1;
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
        this.chunkRows = chunkRows;
        this.chunkBytes = chunkBytes;
        this.unassignedStream = state.unassignedSplit();
        this.streamCreated = state.streamCreated();
        this.tables = state.tables();
        this.chunks = state.chunks();
        this.pending.addAll(state.pendingChunks());
        this.finished.putAll(state.finishedChunks());
        this.lastEpochId = state.lastEpochId();
        this.metrics = new SnapshotMetrics(context.metricGroup(), this);
        if (streamCreated && tables != null) {
            // Restored after a snapshot: restored readers may hold markers again; let them go
            // once a checkpoint of this enumerator has completed.
            markersNeededUntil = Long.MAX_VALUE;
        }
        countProgress();
    }

    private void countProgress() {
        tablesTotal = tables == null ? 0 : tables.size();
        chunksTotal = chunks == null ? 0 : chunks.size();
        chunksDone = finished.size();
        if (tables != null) {
            int[] open = new int[tables.size()];
            for (SnapshotChunk c : chunks) {
                open[c.table()] += finished.containsKey(c.id()) ? 0 : 1;
            }
            int done = 0;
            for (int o : open) {
                done += o == 0 ? 1 : 0;
            }
            tablesDone = done;
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
        if (!streamCreated && (tables == null || !pending.isEmpty())) {
            openEpoch();
        }
        if (!streamCreated && mode.streams()) {
            // The WAL the slot retains while the snapshot runs (it is not read meanwhile).
            context.callAsync(this::readRetainedWal, (bytes, error) -> {
                if (bytes != null) {
                    retainedWalBytes = bytes;
                } else if (error != null) {
                    LOG.debug("Reading the WAL the slot retains failed", error);
                }
            }, RETAINED_WAL_PERIOD.toMillis(), RETAINED_WAL_PERIOD.toMillis());
        }
    }

    private static final java.time.Duration RETAINED_WAL_PERIOD = java.time.Duration.ofSeconds(2);

    /** Bytes of WAL between the server's position and the slot's restart LSN; null when done. */
    private Long readRetainedWal() throws java.sql.SQLException {
        if (!snapshotRunning) {
            return null;
        }
        try (java.sql.Connection c = ReplicationSetup.connect(config, false);
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT"
                        + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(),"
                        + " restart_lsn)::int8 FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = ?")) {
            ps.setString(1, config.slotName());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (PgWalException e) {
            return null; // the server is away for a moment; the gauge keeps its last value
        }
    }

    private String describe() {
        if (streamCreated) {
            return "stream split " + (unassignedStream == null ? "held by a reader" : unassignedStream);
        }
        return tables == null ? "snapshot to plan" : "snapshot of " + tables.size() + " tables, "
                + finished.size() + " of " + chunks.size() + " chunks finished";
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
                if (!finished.containsKey(id) && !pending.contains(id)) {
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
            if (!pending.isEmpty() || tables == null) {
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
            int id = pending.pollFirst();
            SnapshotChunk chunk = chunks.get(id);
            tableStartNanos.putIfAbsent(chunk.table(), System.nanoTime());
            context.assignSplit(new PgWalSnapshotSplit(tables.get(chunk.table()), chunk,
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
    private void openEpoch() {
        if (opening || epoch != null) {
            return;
        }
        opening = true;
        long id = ++lastEpochId;
        boolean plan = tables == null;
        long backoffMillis = openFailures == 0 ? 0L : Math.min(30_000L, 500L << Math.min(openFailures, 6));
        context.callAsync(() -> {
            if (backoffMillis > 0) {
                Thread.sleep(backoffMillis);
            }
            if (plan) {
                SnapshotPlanner.check(config);
            }
            if (plan && mode.streams()) {
                // The slot must exist before the epoch, so that it streams from at or before
                // the epoch's LSN.
                ReplicationSetup.prepare(config);
            }
            EpochHolder holder = EpochHolder.open(config, id);
            try {
                return new Opened(holder, plan ? SnapshotPlanner.plan(config, holder.epoch(),
                        chunkRows, chunkBytes) : null);
            } catch (RuntimeException e) {
                holder.close();
                throw e;
            }
        }, this::opened);
    }

    private static final int MAX_OPEN_ATTEMPTS = 10;

    /** A lost or refused connection, a server shutting down or out of connections. */
    private static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException e && e.getSQLState() != null
                    && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P")
                            || e.getSQLState().equals("53300"))) {
                return true;
            }
        }
        return false;
    }

    private record Opened(EpochHolder holder, SnapshotPlanner.Plan plan) {}

    private void opened(Opened result, Throwable error) {
        opening = false;
        if (error != null) {
            lastEpochId--;
            if (isTransient(error) && ++openFailures <= MAX_OPEN_ATTEMPTS) {
                LOG.warn("Opening a snapshot failed ({}); retrying (attempt {} of {})",
                        error.getMessage(), openFailures, MAX_OPEN_ATTEMPTS);
                openEpoch();
                return;
            }
            if (error instanceof PgWalException definite && !isTransient(error)) {
                // Refused tables, bad settings: a restart would fail the same way.
                throw new SuppressRestartsException(definite);
            }
            throw new PgWalException("Opening the snapshot failed: " + error.getMessage(), error);
        }
        openFailures = 0;
        epoch = result.holder();
        if (result.plan() != null) {
            tables = result.plan().tables();
            chunks = result.plan().chunks();
            for (SnapshotChunk c : chunks) {
                pending.add(c.id());
            }
            LOG.info("Snapshot planned in {}: {} tables, {} chunks", epoch.epoch(), tables.size(),
                    chunks.size());
            countProgress();
        }
        for (int subtask : waitingForEpoch) {
            context.sendEventToSourceReader(subtask, new NewEpoch(epoch.epoch()));
        }
        waitingForEpoch.clear();
        if (chunks.isEmpty() || finished.size() == chunks.size()) {
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
                chunkFinished(c);
            }
            if (!streamCreated && chunks != null && finished.size() == chunks.size()) {
                snapshotFinished();
            }
        } else if (event instanceof ChunksEmitted e) {
            for (FinishedChunk c : e.chunks()) {
                if (!finished.containsKey(c.chunkId())) {
                    emitted.computeIfAbsent(subtaskId, k -> new HashMap<>()).put(c.chunkId(), c);
                }
            }
            long done = finished.size() + emitted.values().stream().mapToLong(Map::size).sum();
            if (!streamCreated && chunks != null && done == chunks.size()) {
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
                    + " (the slot is only confirmed by checkpoints, too)", chunks.size()
                    - finished.size());
        }
    }

    private void chunkFinished(FinishedChunk c) {
        if (finished.putIfAbsent(c.chunkId(), c) != null) {
            return; // a restored reader reports again what an earlier checkpoint recorded
        }
        pending.remove(c.chunkId());
        int table = chunks.get(c.chunkId()).table();
        SnapshotTable t = tables.get(table);
        if (t.byBlocks()) {
            for (FinishedChunk other : finished.values()) {
                if (chunks.get(other.chunkId()).table() == table && other.epochId() != c.epochId()) {
                    throw new SuppressRestartsException(new PgWalException("Table " + t
                            + " has no key, so its snapshot is read in block ranges, which are"
                            + " only consistent within one snapshot; but its chunks were read in"
                            + " two (" + other.epochId() + " and " + c.epochId() + ") because"
                            + " the session holding the first was lost. Start the job again"
                            + " without state to snapshot the table anew, or give the table a"
                            + " primary key"));
                }
            }
        }
        long tableRows = 0;
        int tableChunks = 0;
        int tableFinished = 0;
        for (SnapshotChunk chunk : chunks) {
            if (chunk.table() == table) {
                tableChunks++;
                FinishedChunk f = finished.get(chunk.id());
                if (f != null) {
                    tableFinished++;
                    tableRows += f.rows();
                }
            }
        }
        metrics.rowsRead(c.rows());
        chunksDone = finished.size();
        if (tableFinished == tableChunks) {
            tablesDone++;
            Long started = tableStartNanos.get(table);
            LOG.info("Snapshot of {} finished: {} rows in {} chunks{}", t, tableRows, tableChunks,
                    started == null ? "" : " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    /** Every chunk is finished: end the epoch, then create the stream split or finish. */
    private void snapshotFinished() {
        snapshotRunning = false;
        if (epoch != null) {
            epoch.close();
            epoch = null;
        }
        long rows = finished.values().stream().mapToLong(FinishedChunk::rows).sum();
        LOG.info("Snapshot finished: {} tables, {} chunks, {} rows", tables.size(), chunks.size(),
                rows);
        // Readers drop their finished-chunk markers only once a completed checkpoint of this
        // enumerator holds every chunk finished (see notifyCheckpointComplete).
        markersNeededUntil = Long.MAX_VALUE;
        streamCreated = true;
        if (!mode.streams()) {
            assign();
            return;
        }
        SnapshotFilter filter = filter();
        unassignedStream = new PgWalSplit(PgWalPosition.INITIAL, stopLsn,
                filter.tables().isEmpty() ? null : filter);
        LOG.info("Streaming from the slot after the snapshot, leaving out changes it holds ({})",
                filter);
        assignStream();
    }

    /** The stream's filter: per table, its chunks' epoch LSNs (one when they agree). */
    private SnapshotFilter filter() {
        Map<Integer, SnapshotFilter.TableFilter> filters = new HashMap<>();
        for (int t = 0; t < tables.size(); t++) {
            SnapshotTable table = tables.get(t);
            List<List<String>> bounds = new ArrayList<>();
            List<Long> lsns = new ArrayList<>();
            for (SnapshotChunk c : chunks) {
                if (c.table() == t) {
                    lsns.add(finished.get(c.id()).epochLsn());
                    if (c.upper() != null) {
                        bounds.add(c.upper());
                    }
                }
            }
            boolean oneEpoch = lsns.stream().distinct().count() == 1;
            long[] chunkLsns = oneEpoch ? new long[] {lsns.get(0)}
                    : lsns.stream().mapToLong(Long::longValue).toArray();
            SnapshotFilter.TableFilter f = new SnapshotFilter.TableFilter(table.chunkKey(),
                    table.chunkKeyTypes(), oneEpoch ? List.of() : bounds, chunkLsns);
            filters.put(table.oid(), f);
            for (int partition : table.partitionOids()) {
                filters.put(partition, f);
            }
            if (!oneEpoch) {
                LOG.info("Snapshot of {} was read in several epochs (LSNs {}): its changes between"
                        + " them are placed in chunks by key", table,
                        lsns.stream().distinct().map(PgWalPosition::lsn).toList());
            }
        }
        return new SnapshotFilter(filters);
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
        return new PgWalEnumeratorState(unassignedStream, streamCreated, tables, chunks,
                List.copyOf(pending), Map.copyOf(finished), lastEpochId);
    }

    @Override
    public void close() {
        if (epoch != null) {
            epoch.close();
            epoch = null;
        }
    }

    // ---------------------------------------------------------------- for metrics

    int tablesTotal() {
        return tablesTotal;
    }

    int tablesDone() {
        return tablesDone;
    }

    int chunksTotal() {
        return chunksTotal;
    }

    int chunksDone() {
        return chunksDone;
    }

    /** WAL bytes the slot retained at the last look while the snapshot ran; -1 before the first. */
    long retainedWalBytes() {
        return retainedWalBytes;
    }

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
