package io.pgwal.avro;

/**
 * Where one change record comes from in the WAL; becomes the {@code source} field of its envelope.
 *
 * @param lsn WAL position of the change message itself
 * @param commitLsn LSN of the transaction's commit record ({@code Begin.finalLsn})
 * @param txIndex 0-based index of this record among the records emitted for the transaction;
 *     {@code (commitLsn, txIndex)} is the unique, totally ordered position of a record
 * @param txid the transaction id (unsigned 32-bit value in a long)
 * @param commitTimeMicros the commit time in Unix-epoch microseconds; {@code Long.MIN_VALUE} when
 *     unknown (e.g. a non-transactional message), which becomes a null {@code commit_ts}
 */
public record ChangeSource(
        long lsn, long commitLsn, int txIndex, long txid, long commitTimeMicros) {}
