package io.pgwal.source.split;

/**
 * The mutable state of the split while it is read. The record emitter advances it <b>after</b>
 * each record is handed downstream, so a checkpoint never holds a position beyond what was
 * emitted. Only touched by the task's main thread.
 */
public final class PgWalSplitState {

    private final long stopLsn;
    private PgWalPosition position;
    private long emittedSequence;

    public PgWalSplitState(PgWalSplit split) {
        this.stopLsn = split.stopLsn();
        this.position = split.position();
    }

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

    public PgWalSplit toSplit() {
        return new PgWalSplit(position, stopLsn);
    }
}
