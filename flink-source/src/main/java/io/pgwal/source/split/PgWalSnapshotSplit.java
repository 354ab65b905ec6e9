package io.pgwal.source.split;

import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.snapshot.SnapshotTable;
import java.util.Objects;

/**
 * One chunk of the initial snapshot, to be read in {@code epoch}. A chunk is emitted as a whole
 * (one fetched element), so no checkpoint falls inside it: a checkpoint holds a chunk either
 * unread (it is read again, all of it) or finished.
 *
 * <p>A finished chunk ({@code finishedRows >= 0}) stays in its reader's checkpoints as a marker
 * until the enumerator has checkpointed that the snapshot is complete: it records that the chunk's
 * rows were emitted before the checkpoint, and in which epoch they were read.
 */
public final class PgWalSnapshotSplit implements PgWalSourceSplit {

    private final SnapshotTable table;
    private final SnapshotChunk chunk;
    private final SnapshotEpoch epoch;
    private final long finishedRows;

    public PgWalSnapshotSplit(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch,
            long finishedRows) {
        this.table = Objects.requireNonNull(table, "table");
        this.chunk = Objects.requireNonNull(chunk, "chunk");
        this.epoch = Objects.requireNonNull(epoch, "epoch");
        this.finishedRows = finishedRows;
    }

    /** The split id of chunk {@code id}. */
    public static String splitId(int chunkId) {
        return "snapshot-" + chunkId;
    }

    @Override
    public String splitId() {
        return splitId(chunk.id());
    }

    public SnapshotTable table() {
        return table;
    }

    public SnapshotChunk chunk() {
        return chunk;
    }

    public SnapshotEpoch epoch() {
        return epoch;
    }

    public boolean isFinished() {
        return finishedRows >= 0;
    }

    /** Rows the finished chunk emitted; -1 while unfinished. */
    public long finishedRows() {
        return finishedRows;
    }

    /** The same chunk, to be read in another epoch. */
    public PgWalSnapshotSplit inEpoch(SnapshotEpoch newEpoch) {
        return new PgWalSnapshotSplit(table, chunk, newEpoch, finishedRows);
    }

    /** The marker of this chunk finished with {@code rows} rows. */
    public PgWalSnapshotSplit finished(long rows) {
        return new PgWalSnapshotSplit(table, chunk, epoch, rows);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgWalSnapshotSplit s && s.table.equals(table) && s.chunk.equals(chunk)
                && s.epoch.equals(epoch) && s.finishedRows == finishedRows;
    }

    @Override
    public int hashCode() {
        return chunk.id();
    }

    @Override
    public String toString() {
        return "PgWalSnapshotSplit{" + table + " " + chunk + ", " + epoch
                + (isFinished() ? ", finished: " + finishedRows + " rows" : "") + "}";
    }
}
