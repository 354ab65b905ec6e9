package io.pgwal.source.enumerator;

import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotTable;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import io.pgwal.source.split.PgWalSplit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * What the enumerator checkpoints.
 *
 * <ul>
 *   <li>{@code unassignedSplit}: the stream split while no reader holds it, else null (a reader's
 *       state then carries it).
 *   <li>{@code streamCreated}: whether the stream split exists (from the start without a
 *       snapshot; after every chunk is finished with one).
 *   <li>The snapshot: the plan ({@code tables}, {@code chunks}; null before it was made), the ids
 *       of chunks no reader holds, the chunks known finished (each emitted before a completed
 *       checkpoint), and the last epoch id used.
 * </ul>
 */
public record PgWalEnumeratorState(
        @Nullable PgWalSplit unassignedSplit,
        boolean streamCreated,
        @Nullable List<SnapshotTable> tables,
        @Nullable List<SnapshotChunk> chunks,
        List<Integer> pendingChunks,
        Map<Integer, FinishedChunk> finishedChunks,
        long lastEpochId) {

    /** The state of a source without a snapshot that has not assigned its stream split yet. */
    public static PgWalEnumeratorState streamOnly(@Nullable PgWalSplit split) {
        return new PgWalEnumeratorState(split, true, null, null, List.of(), Map.of(), 0L);
    }

    public Optional<PgWalSplit> unassigned() {
        return Optional.ofNullable(unassignedSplit);
    }
}
