package io.pgwal.source.enumerator;

import io.pgwal.source.split.PgWalSplit;
import java.util.Objects;
import java.util.Optional;

/**
 * What the enumerator checkpoints: the split while no reader holds it (before the first
 * assignment, or after a reader failed and the split came back), and nothing once a reader has it
 * (the reader's state then carries the split and its position).
 */
public final class PgWalEnumeratorState {

    private final PgWalSplit unassignedSplit;

    public PgWalEnumeratorState(PgWalSplit unassignedSplit) {
        this.unassignedSplit = unassignedSplit;
    }

    public Optional<PgWalSplit> unassignedSplit() {
        return Optional.ofNullable(unassignedSplit);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgWalEnumeratorState s
                && Objects.equals(s.unassignedSplit, unassignedSplit);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(unassignedSplit);
    }

    @Override
    public String toString() {
        return "PgWalEnumeratorState{unassigned=" + unassignedSplit + "}";
    }
}
