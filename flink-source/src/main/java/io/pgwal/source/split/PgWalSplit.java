package io.pgwal.source.split;

import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * The one split of a pgwal source: a replication slot's stream, and how far it has been emitted.
 * Immutable; its mutable companion while reading is {@link PgWalSplitState}.
 *
 * <p>{@code stopLsn} is 0 for an unbounded stream; otherwise reading finishes once every
 * transaction that committed before that LSN has been emitted.
 */
public final class PgWalSplit implements SourceSplit {

    /** There is only ever one split: one slot, one ordered stream. */
    public static final String SPLIT_ID = "pgwal-0";

    private final PgWalPosition position;
    private final long stopLsn;

    public PgWalSplit(PgWalPosition position, long stopLsn) {
        this.position = Objects.requireNonNull(position, "position");
        this.stopLsn = stopLsn;
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

    public PgWalSplit withPosition(PgWalPosition newPosition) {
        return new PgWalSplit(newPosition, stopLsn);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgWalSplit s && s.position.equals(position) && s.stopLsn == stopLsn;
    }

    @Override
    public int hashCode() {
        return Objects.hash(position, stopLsn);
    }

    @Override
    public String toString() {
        return "PgWalSplit{" + position + (isBounded() ? ", stop=" + PgWalPosition.lsn(stopLsn) : "")
                + "}";
    }
}
