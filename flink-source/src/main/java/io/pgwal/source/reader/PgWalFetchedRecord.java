package io.pgwal.source.reader;

import io.pgwal.source.split.PgWalPosition;
import org.apache.avro.generic.GenericRecord;

/**
 * What the fetcher thread hands to the task thread: a change record (or none, for a pure
 * position update such as a commit) and the split position once it has been emitted.
 */
public final class PgWalFetchedRecord {

    private final GenericRecord record;
    private final PgWalPosition positionAfter;
    private final long timestampMillis;

    PgWalFetchedRecord(GenericRecord record, PgWalPosition positionAfter, long timestampMillis) {
        this.record = record;
        this.positionAfter = positionAfter;
        this.timestampMillis = timestampMillis;
    }

    static PgWalFetchedRecord positionOnly(PgWalPosition position) {
        return new PgWalFetchedRecord(null, position, Long.MIN_VALUE);
    }

    /** The change envelope, or null when this only moves the position. */
    public GenericRecord record() {
        return record;
    }

    public PgWalPosition positionAfter() {
        return positionAfter;
    }

    /** The commit time of the record's transaction in epoch milliseconds. */
    public long timestampMillis() {
        return timestampMillis;
    }
}
