package io.pgwal.source.reader;

import io.pgwal.snapshot.SnapshotEpoch;
import java.util.concurrent.atomic.AtomicReference;
import javax.annotation.Nullable;

/**
 * Hands the newest snapshot epoch the enumerator announced from the task thread to the fetcher
 * thread, which reads unfinished chunks of older epochs in it. Only ever moves to newer epochs.
 */
final class PgWalEpochHandle {

    private final AtomicReference<SnapshotEpoch> newest = new AtomicReference<>();

    void offer(SnapshotEpoch epoch) {
        newest.accumulateAndGet(epoch, (a, b) -> a == null || b.id() > a.id() ? b : a);
    }

    /** The epoch to read a chunk of {@code assigned} in: the newer of the two. */
    SnapshotEpoch forChunk(SnapshotEpoch assigned) {
        SnapshotEpoch n = newest.get();
        return n != null && n.id() > assigned.id() ? n : assigned;
    }

    @Nullable
    SnapshotEpoch newest() {
        return newest.get();
    }
}
