package io.pgwal.source.reader;

import io.pgwal.source.split.PgWalPosition;
import org.apache.avro.generic.GenericRecord;

/**
 * What the fetcher thread hands to the task thread: one change record, its sequence number within
 * this reader, and the split position once it has been emitted.
 */
public final class PgWalFetchedRecord {

    private final GenericRecord record;
    private final long sequence;
    private final long timestampMillis;
    private PgWalPosition positionAfter;

    PgWalFetchedRecord(GenericRecord record, long sequence, PgWalPosition positionAfter,
            long timestampMillis) {
        this.record = record;
        this.sequence = sequence;
        this.positionAfter = positionAfter;
        this.timestampMillis = timestampMillis;
    }

    /** The change envelope. */
    public GenericRecord record() {
        return record;
    }

    /** Increases by one per record fetched by this reader; see {@link PgWalPendingPosition}. */
    public long sequence() {
        return sequence;
    }

    public PgWalPosition positionAfter() {
        return positionAfter;
    }

    /**
     * Moves the position of a record that has not been handed to the task thread yet (e.g. to
     * include the commit that followed it). Fetcher thread only, before hand-over.
     */
    void advancePosition(PgWalPosition position) {
        this.positionAfter = position;
    }

    /** The commit time of the record's transaction in epoch milliseconds. */
    public long timestampMillis() {
        return timestampMillis;
    }
}
