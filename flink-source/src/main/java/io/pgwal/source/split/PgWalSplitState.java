package io.pgwal.source.split;

/**
 * The mutable state of the split while it is read. The record emitter advances it <b>after</b>
 * each record is handed downstream, so a checkpoint never holds a position beyond what was
 * emitted. Only touched by the task's main thread.
 */
public final class PgWalSplitState {

    private final long stopLsn;
    private PgWalPosition position;

    public PgWalSplitState(PgWalSplit split) {
        this.stopLsn = split.stopLsn();
        this.position = split.position();
    }

    public PgWalPosition position() {
        return position;
    }

    public void setPosition(PgWalPosition position) {
        this.position = position;
    }

    public PgWalSplit toSplit() {
        return new PgWalSplit(position, stopLsn);
    }
}
