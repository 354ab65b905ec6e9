package io.pgwal.source.reader;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands "this LSN is covered by a completed checkpoint" from the task thread, where Flink calls
 * {@code notifyCheckpointComplete}, to the fetcher thread, which owns the replication connection
 * (pgjdbc's stream is not thread-safe). Only ever moves forward.
 */
public final class PgWalAckHandle {

    private final AtomicLong requested = new AtomicLong();

    /** Asks the fetcher to confirm {@code lsn}; lower values than an earlier request are ignored. */
    public void request(long lsn) {
        requested.accumulateAndGet(lsn, (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
    }

    /** The highest LSN requested so far (0 when none). */
    public long requested() {
        return requested.get();
    }
}
