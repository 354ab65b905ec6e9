package io.pgwal.source.reader;

import io.pgwal.source.split.PgWalPosition;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Carries position changes that have no record of their own (a commit after the last record of a
 * batch, the server's WAL end while idle, the slot position on a fresh start) from the fetcher
 * thread to the checkpoint, without inventing records (every fetched element counts as an input
 * record in Flink's metrics).
 *
 * <p>A pending position is tagged with the sequence number of the last record fetched before it.
 * It applies to a checkpoint only once the task thread has emitted exactly that record: if the
 * emitter is behind, the records' own positions are used, which is conservative (the replay after a
 * restore is longer, never different). Only the newest pending position is kept.
 */
final class PgWalPendingPosition {

    private record Pending(long afterSequence, PgWalPosition position) {}

    private final AtomicLong lastSequence = new AtomicLong();
    private final AtomicReference<Pending> pending = new AtomicReference<>();

    /** Fetcher thread: the sequence number of a newly fetched record. */
    long nextSequence() {
        return lastSequence.incrementAndGet();
    }

    /** Fetcher thread: the sequence number of the last record fetched (0 before the first). */
    long lastSequence() {
        return lastSequence.get();
    }

    /** Fetcher thread: {@code position} holds once the last fetched record has been emitted. */
    void set(PgWalPosition position) {
        pending.set(new Pending(lastSequence.get(), position));
    }

    /**
     * Task thread, at a checkpoint: the position to checkpoint given that the record with sequence
     * {@code emittedSequence} was the last one emitted and left the split at {@code current}.
     */
    PgWalPosition resolve(long emittedSequence, PgWalPosition current) {
        Pending p = pending.get();
        return p != null && p.afterSequence() == emittedSequence ? p.position() : current;
    }
}
