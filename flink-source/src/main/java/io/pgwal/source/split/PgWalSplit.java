package io.pgwal.source.split;

import io.pgwal.snapshot.SnapshotFilter;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The stream split of a pgwal source: a replication slot's stream, and how far it has been
 * emitted. There is exactly one, whatever the parallelism. Immutable; its mutable companion while
 * reading is {@link PgWalSplitState}.
 *
 * <p>{@code stopLsn} is 0 for an unbounded stream; otherwise reading finishes once every
 * transaction that committed before that LSN has been emitted. {@code snapshotFilter} is set after
 * an initial snapshot, until the stream has passed every change the snapshot already holds.
 */
public final class PgWalSplit implements PgWalSourceSplit {

    /** There is only ever one split: one slot, one ordered stream. */
    public static final String SPLIT_ID = "pgwal-0";

    private final PgWalPosition position;
    private final long stopLsn;
    @Nullable private final SnapshotFilter snapshotFilter;

    public PgWalSplit(PgWalPosition position, long stopLsn) {
        this(position, stopLsn, null);
    }

    public PgWalSplit(PgWalPosition position, long stopLsn, @Nullable SnapshotFilter filter) {
        this.position = Objects.requireNonNull(position, "position");
        this.stopLsn = stopLsn;
        this.snapshotFilter = filter;
    }

    /** What the stream leaves out because the snapshot holds it; null when nothing. */
    @Nullable
    public SnapshotFilter snapshotFilter() {
        return snapshotFilter;
    }

    @Override
    public String splitId() {
        return SPLIT_ID;
    }

    public PgWalPosition position() {
        return position;
    }

    /** The LSN at which a bounded read stops, or 0 for an unbounded read. */
    public long stopLsn() {
        return stopLsn;
    }

    public boolean isBounded() {
        return stopLsn != 0L;
    }

    /**
     * The split at {@code newPosition}; the snapshot filter is dropped once the restart position
     * has reached its last epoch (every change from there on is emitted).
     */
    public PgWalSplit withPosition(PgWalPosition newPosition) {
        SnapshotFilter f = snapshotFilter != null
                && Long.compareUnsigned(newPosition.restartLsn(), snapshotFilter.maxLsn()) >= 0
                ? null : snapshotFilter;
        return new PgWalSplit(newPosition, stopLsn, f);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgWalSplit s && s.position.equals(position) && s.stopLsn == stopLsn
                && Objects.equals(s.snapshotFilter, snapshotFilter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(position, stopLsn);
    }

    @Override
    public String toString() {
        return "PgWalSplit{" + position + (isBounded() ? ", stop=" + PgWalPosition.lsn(stopLsn) : "")
                + (snapshotFilter != null ? ", " + snapshotFilter : "") + "}";
    }
}
