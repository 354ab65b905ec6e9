package io.pgwal.source.reader;

import io.pgwal.snapshot.ChunkRows;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.source.split.PgWalPosition;
import javax.annotation.Nullable;
import org.apache.avro.generic.GenericRecord;

/**
 * What the fetcher thread hands to the task thread: one change record of the stream with its
 * sequence number within this reader and the split position once it has been emitted; or a whole
 * snapshot chunk (emitted in one go, so that no checkpoint falls inside it); or the news that a
 * chunk's epoch has expired (the task thread tells the enumerator).
 */
public final class PgWalFetchedRecord {

    private final GenericRecord record;
    private final long sequence;
    private final long timestampMillis;
    private PgWalPosition positionAfter;
    @Nullable private final ChunkRows chunkRows;
    @Nullable private final SnapshotEpoch epoch;

    PgWalFetchedRecord(GenericRecord record, long sequence, PgWalPosition positionAfter,
            long timestampMillis) {
        this(record, sequence, positionAfter, timestampMillis, null, null);
    }

    private PgWalFetchedRecord(GenericRecord record, long sequence, PgWalPosition positionAfter,
            long timestampMillis, ChunkRows chunkRows, SnapshotEpoch epoch) {
        this.record = record;
        this.sequence = sequence;
        this.positionAfter = positionAfter;
        this.timestampMillis = timestampMillis;
        this.chunkRows = chunkRows;
        this.epoch = epoch;
    }

    /** All rows of a snapshot chunk, read in their epoch, not converted yet. */
    static PgWalFetchedRecord chunk(ChunkRows rows) {
        return new PgWalFetchedRecord(null, 0L, null, Long.MIN_VALUE, rows, rows.epoch());
    }

    /** The chunk's epoch can no longer be read: ask the enumerator for a newer one. */
    static PgWalFetchedRecord epochExpired(SnapshotEpoch epoch) {
        return new PgWalFetchedRecord(null, 0L, null, Long.MIN_VALUE, null, epoch);
    }

    /** True for a whole snapshot chunk ({@link #chunkRows()}). */
    public boolean isChunk() {
        return chunkRows != null;
    }

    /** True for the news that {@link #epoch()} expired. */
    public boolean isEpochExpired() {
        return record == null && chunkRows == null;
    }

    /** The chunk's rows, or null. */
    @Nullable
    public ChunkRows chunkRows() {
        return chunkRows;
    }

    /** The epoch a chunk was read in, or the one that expired; null for stream records. */
    @Nullable
    public SnapshotEpoch epoch() {
        return epoch;
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
