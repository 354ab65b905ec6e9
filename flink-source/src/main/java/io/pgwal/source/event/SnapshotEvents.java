package io.pgwal.source.event;

import io.pgwal.snapshot.SnapshotEpoch;
import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;

/** The events readers and the enumerator exchange about the initial snapshot. */
public final class SnapshotEvents {

    private SnapshotEvents() {}

    /** One finished chunk: the epoch its rows were read in, and how many rows it had. */
    public record FinishedChunk(int chunkId, long epochId, long epochLsn, long rows)
            implements java.io.Serializable {}

    /**
     * Reader to enumerator: these chunks were emitted whole before a checkpoint that has
     * completed (or, without checkpointing, at all), so no restore can take them back.
     */
    public record ChunksFinished(List<FinishedChunk> chunks) implements SourceEvent {
        public ChunksFinished {
            chunks = List.copyOf(chunks);
        }
    }

    /**
     * Reader to enumerator: these chunks were just emitted whole, but no completed checkpoint holds
     * them yet, so a failover of this reader can still take them back. Enough to finish a
     * snapshot-only source (whose chunks need no order against a stream); a streaming source waits
     * for {@link ChunksFinished}.
     */
    public record ChunksEmitted(List<FinishedChunk> chunks) implements SourceEvent {
        public ChunksEmitted {
            chunks = List.copyOf(chunks);
        }
    }

    /** Reader to enumerator: epoch {@code epochId}'s snapshot can no longer be imported. */
    public record EpochExpired(long epochId) implements SourceEvent {}

    /** Enumerator to reader: read unfinished chunks of older epochs in this one. */
    public record NewEpoch(SnapshotEpoch epoch) implements SourceEvent {}

    /**
     * Enumerator to reader: every chunk is finished and recorded in the enumerator's state; the
     * reader may drop its finished-chunk markers.
     */
    public record SnapshotComplete() implements SourceEvent {}
}
