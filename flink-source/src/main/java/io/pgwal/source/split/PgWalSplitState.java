package io.pgwal.source.split;

import javax.annotation.Nullable;

/**
 * The mutable state of a split while it is read. For the stream split, the record emitter advances
 * it <b>after</b> each record is handed downstream, so a checkpoint never holds a position beyond
 * what was emitted. A snapshot split has nothing to advance: its chunk is emitted as a whole, and
 * until then a checkpoint holds it unread. Only touched by the task's main thread.
 */
public final class PgWalSplitState {

    @Nullable private PgWalSnapshotSplit chunk;
    @Nullable private final PgWalSplit stream;
    private PgWalPosition position;
    private long emittedSequence;

    public PgWalSplitState(PgWalSourceSplit split) {
        if (split instanceof PgWalSplit s) {
            this.stream = s;
            this.chunk = null;
            this.position = s.position();
        } else {
            this.stream = null;
            this.chunk = (PgWalSnapshotSplit) split;
            this.position = PgWalPosition.INITIAL;
        }
    }

    /** True for the stream split. */
    public boolean isStream() {
        return stream != null;
    }

    /** The snapshot split, or null for the stream split. */
    @Nullable
    public PgWalSnapshotSplit chunk() {
        return chunk;
    }

    /** The stream position (stream split only). */
    public PgWalPosition position() {
        return position;
    }

    /** The reader-local sequence number of the last emitted record (0 before the first). */
    public long emittedSequence() {
        return emittedSequence;
    }

    /** Called after the record with {@code sequence} was emitted, leaving the split at {@code p}. */
    public void emitted(PgWalPosition p, long sequence) {
        this.position = p;
        this.emittedSequence = sequence;
    }

    /** Moves the position without a record (a commit or WAL end that followed the last record). */
    public void setPosition(PgWalPosition p) {
        this.position = p;
    }

    /** Called after a chunk's rows, read in {@code epoch}, were all emitted. */
    public void chunkEmitted(io.pgwal.snapshot.SnapshotEpoch epoch, long rows) {
        chunk = chunk.inEpoch(epoch).finished(rows);
    }

    public PgWalSourceSplit toSplit() {
        return stream != null ? stream.withPosition(position) : chunk;
    }
}
