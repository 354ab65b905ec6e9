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
 * @param snapshot true for a row read by the initial snapshot; then {@code lsn} and {@code
 *     commitLsn} are the snapshot's LSN (its transactions are those that committed before it) and
 *     {@code txIndex} the row's index in its chunk
 */
public record ChangeSource(
        long lsn, long commitLsn, int txIndex, long txid, long commitTimeMicros, boolean snapshot) {

    /** The source of a streamed change. */
    public ChangeSource(long lsn, long commitLsn, int txIndex, long txid, long commitTimeMicros) {
        this(lsn, commitLsn, txIndex, txid, commitTimeMicros, false);
    }

    /** The source of the row at {@code index} of a snapshot chunk read at {@code snapshotLsn}. */
    public static ChangeSource snapshotRow(long snapshotLsn, int index) {
        return new ChangeSource(snapshotLsn, snapshotLsn, index, 0L, Long.MIN_VALUE, true);
    }
}
