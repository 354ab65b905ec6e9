package io.pgwal.source.enumerator;

import io.pgwal.PgWalException;
import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotFilter;
import io.pgwal.snapshot.SnapshotPlanner;
import io.pgwal.snapshot.SnapshotTable;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import io.pgwal.source.split.PgWalPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enumerator's record of the snapshot's plan and of the chunks known finished (each emitted
 * before a completed checkpoint, with the epoch it was read in): per-table progress and its log
 * lines, the check that a table without a key stays in one epoch, and the stream's {@link
 * SnapshotFilter} once every chunk is finished. Coordinator thread only, except the progress
 * counters, which metric reporters read.
 */
final class SnapshotChunks {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotChunks.class);

    @Nullable private List<SnapshotTable> tables;
    @Nullable private List<SnapshotChunk> chunks;
    private final Map<Integer, FinishedChunk> finished = new LinkedHashMap<>();
    /** Per table: chunks not finished yet, and rows of its finished chunks. */
    private int[] openChunks = new int[0];
    private long[] tableRows = new long[0];
    private final Map<Integer, Long> tableStartNanos = new HashMap<>();

    // Read by metric reporters on other threads.
    private volatile int tablesTotal;
    private volatile int tablesDone;
    private volatile int chunksTotal;
    private volatile int chunksDone;

    /** The restored (or initial) record; {@code tables} and {@code chunks} are null before a plan. */
    SnapshotChunks(@Nullable List<SnapshotTable> tables, @Nullable List<SnapshotChunk> chunks,
            Map<Integer, FinishedChunk> finished) {
        this.finished.putAll(finished);
        if (tables != null) {
            plan(tables, chunks);
        }
    }

    void plan(SnapshotPlanner.Plan plan) {
        plan(plan.tables(), plan.chunks());
    }

    private void plan(List<SnapshotTable> planTables, List<SnapshotChunk> planChunks) {
        tables = planTables;
        chunks = planChunks;
        openChunks = new int[tables.size()];
        tableRows = new long[tables.size()];
        for (SnapshotChunk c : chunks) {
            FinishedChunk f = finished.get(c.id());
            if (f == null) {
                openChunks[c.table()]++;
            } else {
                tableRows[c.table()] += f.rows();
            }
        }
        int done = 0;
        for (int open : openChunks) {
            done += open == 0 ? 1 : 0;
        }
        tablesTotal = tables.size();
        tablesDone = done;
        chunksTotal = chunks.size();
        chunksDone = finished.size();
    }

    boolean planned() {
        return tables != null;
    }

    @Nullable
    List<SnapshotTable> tables() {
        return tables;
    }

    @Nullable
    List<SnapshotChunk> chunks() {
        return chunks;
    }

    Map<Integer, FinishedChunk> finished() {
        return finished;
    }

    SnapshotChunk chunk(int id) {
        return chunks.get(id);
    }

    SnapshotTable tableOf(SnapshotChunk chunk) {
        return tables.get(chunk.table());
    }

    boolean isFinished(int chunkId) {
        return finished.containsKey(chunkId);
    }

    /** Whether the plan exists and every chunk of it is finished. */
    boolean allFinished() {
        return chunks != null && finished.size() == chunks.size();
    }

    /** Chunks of the plan not finished yet. */
    int unfinished() {
        return chunks.size() - finished.size();
    }

    /** Rows of the finished chunks. */
    long rows() {
        return finished.values().stream().mapToLong(FinishedChunk::rows).sum();
    }

    /** Notes when a table's first chunk was handed out, for its log line. */
    void assigned(SnapshotChunk chunk) {
        tableStartNanos.putIfAbsent(chunk.table(), System.nanoTime());
    }

    /**
     * Records a finished chunk; false when it was known already (a restored reader reports again
     * what an earlier checkpoint recorded).
     *
     * @throws SuppressRestartsException when a table without a key was read in two epochs
     */
    boolean finish(FinishedChunk c) {
        if (finished.putIfAbsent(c.chunkId(), c) != null) {
            return false;
        }
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
        tableRows[table] += c.rows();
        chunksDone = finished.size();
        if (--openChunks[table] == 0) {
            tablesDone++;
            Long started = tableStartNanos.get(table);
            int tableChunks = (int) chunks.stream().filter(k -> k.table() == table).count();
            LOG.info("Snapshot of {} finished: {} rows in {} chunks{}", t, tableRows[table],
                    tableChunks,
                    started == null ? "" : " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
        return true;
    }

    /** The stream's filter: per table, its chunks' epoch LSNs (one when they agree). */
    SnapshotFilter filter() {
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

    @Override
    public String toString() {
        return tables == null ? "snapshot to plan" : "snapshot of " + tables.size() + " tables, "
                + finished.size() + " of " + chunks.size() + " chunks finished";
    }
}
