package io.pgwal.source.split;

import java.io.Serializable;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A replication position precise enough to resume inside a transaction.
 *
 * <p>A bare LSN is not a unique position: a Begin and its first change, or a Commit and the next
 * Begin, can share one, and resuming by LSN alone is how several CDC tools dropped rows after a
 * recovery. pgwal identifies every emitted record by {@code (commitLsn, index)}: the LSN of its
 * transaction's commit record (unique per transaction, and transactions arrive in commit order)
 * and its index among the records emitted for that transaction.
 *
 * <ul>
 *   <li>{@code restartLsn}: where streaming restarts, and what is confirmed to PostgreSQL once a
 *       checkpoint that holds this position completes. It is the end LSN of the last fully emitted
 *       transaction (or a server {@code wal_end} seen while no transaction was open). The server
 *       replays every transaction whose commit record starts at or after it.
 *   <li>{@code commitLsn}, {@code recordsEmitted}: the transaction emitted last and how many of
 *       its records were emitted. When {@code restartLsn <= commitLsn} that transaction is still in
 *       flight: after a restore the server replays it from its start and the first {@code
 *       recordsEmitted} records are skipped.
 * </ul>
 *
 * <p>0 is PostgreSQL's invalid LSN: {@link #INITIAL} means "start where the slot is".
 */
public record PgWalPosition(long restartLsn, long commitLsn, int recordsEmitted)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Nothing emitted yet; streaming starts at the slot's confirmed position. */
    public static final PgWalPosition INITIAL = new PgWalPosition(0L, 0L, 0);

    public PgWalPosition {
        if (recordsEmitted < 0) {
            throw new IllegalArgumentException("recordsEmitted < 0: " + recordsEmitted);
        }
    }

    /** True when the transaction at {@code commitLsn} was only partly emitted. */
    public boolean inTransaction() {
        return commitLsn != 0L && Long.compareUnsigned(restartLsn, commitLsn) <= 0;
    }

    /** The position after one more record of the transaction committed at {@code commit}. */
    public PgWalPosition afterRecord(long commit, int recordIndex) {
        return new PgWalPosition(restartLsn, commit, recordIndex + 1);
    }

    /** The position after the transaction committed at {@code commit} ended at {@code endLsn}. */
    public PgWalPosition afterCommit(long commit, long endLsn, int records) {
        return new PgWalPosition(endLsn, commit, records);
    }

    /** The same position with the restart point moved forward (never backward). */
    public PgWalPosition withRestartLsn(long lsn) {
        return Long.compareUnsigned(lsn, restartLsn) > 0
                ? new PgWalPosition(lsn, commitLsn, recordsEmitted)
                : this;
    }

    @Override
    public String toString() {
        return "restart=" + lsn(restartLsn) + (commitLsn == 0L ? "" : ", last tx commit="
                + lsn(commitLsn) + " records=" + recordsEmitted
                + (inTransaction() ? " (in flight)" : ""));
    }

    /** Formats an LSN as PostgreSQL does ({@code X/Y}). */
    public static String lsn(long lsn) {
        return LogSequenceNumber.valueOf(lsn).asString();
    }
}
