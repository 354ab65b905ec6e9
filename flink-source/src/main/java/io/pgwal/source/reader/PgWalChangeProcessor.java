package io.pgwal.source.reader;

import static io.pgwal.source.split.PgWalPosition.lsn;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.ChangeSource;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.decoder.PgOutputMessage;
import io.pgwal.decoder.PgOutputMessage.Begin;
import io.pgwal.decoder.PgOutputMessage.Commit;
import io.pgwal.decoder.PgOutputMessage.Delete;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.Truncate;
import io.pgwal.decoder.PgOutputMessage.Update;
import io.pgwal.decoder.PgOutputProtocolException;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.snapshot.SnapshotFilter;
import java.nio.ByteBuffer;
import javax.annotation.Nullable;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the pgoutput messages of one replication session into emitted records and positions: the
 * transaction bookkeeping, the resume filter after a restore or reconnect, and nothing else (no
 * I/O, no Flink). Not thread-safe; one per session, on the fetcher thread.
 *
 * <p>Resuming: the session restarts at {@code resumeFrom.restartLsn()}, where PostgreSQL replays
 * every transaction that had not been confirmed. Records whose {@code (commitLsn, index)} is at or
 * before {@code resumeFrom} were emitted before and are skipped; the rest are emitted. If a
 * transaction was in flight, it must be the first one replayed; anything else means changes can no
 * longer be replayed exactly once, and the processor fails loudly instead of guessing.
 */
final class PgWalChangeProcessor {

    /** Where the processor puts what it produces. */
    interface Output {
        /** A record to emit, and the split position once it is emitted. */
        void record(GenericRecord record, PgWalPosition positionAfter, long timestampMillis);

        /** The position moved without a record (a commit, or the server's WAL end while idle). */
        void position(PgWalPosition position);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PgWalChangeProcessor.class);

    private final PgOutputDecoder decoder;
    private final AvroChangeConverter converter;
    private final PgWalPosition resumeFrom;
    private boolean resumeCheckPending;
    @Nullable private final SnapshotFilter snapshotFilter;
    private final SnapshotFilter.KeyOrder keyOrder;
    private long leftOutBySnapshot;

    private PgWalPosition position;
    private boolean inTransaction;
    private long txCommitLsn;
    private long txXid;
    private long txCommitTimeMicros;
    private int txIndex;

    private long transactions;
    private long nonTransactionalMessagesDropped;

    /**
     * @param resumeFrom what was emitted before this session
     * @param sessionStartLsn where the server actually started streaming
     */
    PgWalChangeProcessor(
            PgOutputDecoder decoder,
            AvroChangeConverter converter,
            PgWalPosition resumeFrom,
            long sessionStartLsn) {
        this(decoder, converter, resumeFrom, sessionStartLsn, null, null);
    }

    /**
     * @param snapshotFilter what the stream leaves out because an initial snapshot holds it, or
     *     null
     * @param keyOrder places a key in a snapshot chunk (only for tables read in several epochs)
     */
    PgWalChangeProcessor(
            PgOutputDecoder decoder,
            AvroChangeConverter converter,
            PgWalPosition resumeFrom,
            long sessionStartLsn,
            @Nullable SnapshotFilter snapshotFilter,
            SnapshotFilter.KeyOrder keyOrder) {
        this.snapshotFilter = snapshotFilter;
        this.keyOrder = keyOrder;
        this.decoder = decoder;
        this.converter = converter;
        this.resumeFrom = resumeFrom;
        this.position = resumeFrom.withRestartLsn(sessionStartLsn);
        // Only an in-flight transaction whose replay the server still owes us can be checked; if the
        // session started later (restore.allow-slot-ahead) the user accepted the gap.
        this.resumeCheckPending = resumeFrom.inTransaction()
                && Long.compareUnsigned(sessionStartLsn, resumeFrom.restartLsn()) <= 0;
    }

    /** The position after the last element handed out. */
    PgWalPosition position() {
        return position;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    long transactions() {
        return transactions;
    }

    long nonTransactionalMessagesDropped() {
        return nonTransactionalMessagesDropped;
    }

    /**
     * Handles one pgoutput message received at WAL position {@code lsn}, handing any records and
     * position updates to {@code out}.
     */
    void onMessage(ByteBuffer message, long lsn, Output out) {
        PgOutputMessage m;
        try {
            m = decoder.decode(message);
        } catch (PgOutputProtocolException e) {
            throw new PgWalException("Cannot decode the pgoutput message at LSN " + lsn(lsn)
                    + " of the replication stream: " + e.getMessage(), e);
        }
        switch (m.type()) {
            case BEGIN -> begin((Begin) m);
            case COMMIT -> commit((Commit) m, out);
            case RELATION -> converter.onRelation((Relation) m);
            case INSERT -> {
                Insert insert = (Insert) m;
                if (admits(insert.relationId(), insert.newTuple()) && emitNext()) {
                    emit(converter.insert(insert, source(lsn)), out);
                }
            }
            case UPDATE -> update((Update) m, lsn, out);
            case DELETE -> {
                Delete delete = (Delete) m;
                if (admits(delete.relationId(), delete.oldTuple()) && emitNext()) {
                    emit(converter.delete(delete, source(lsn)), out);
                }
            }
            case TRUNCATE -> {
                Truncate t = (Truncate) m;
                for (int i = 0; i < t.relationCount(); i++) {
                    boolean admitted = snapshotFilter == null
                            || snapshotFilter.admitsTable(t.relationId(i), txCommitLsn);
                    if (admitted && emitNext()) {
                        emit(converter.truncate(t.relationId(i), source(lsn)), out);
                    } else if (!admitted) {
                        leftOutBySnapshot++;
                    }
                }
            }
            case MESSAGE -> logicalMessage((LogicalMessage) m, lsn, out);
            case ORIGIN, TYPE -> {
                // Nothing to emit: origins are not filtered, and types are resolved from the catalog.
            }
            default -> throw new PgWalException("Unexpected pgoutput message " + m.type()
                    + " at LSN " + lsn(lsn) + ": pgwal does not request streaming or two-phase"
                    + " decoding, so the server should not send it");
        }
    }

    /**
     * Called when nothing is pending. {@code serverWalEnd} is the server's reported WAL end: every
     * transaction that committed before it has been sent. Outside a transaction the restart point
     * can move there, so idle slots do not pin WAL.
     */
    void onIdle(long serverWalEnd, Output out) {
        if (inTransaction || resumeCheckPending) {
            return;
        }
        PgWalPosition moved = position.withRestartLsn(serverWalEnd);
        if (moved != position) {
            position = moved;
            out.position(position);
        }
    }

    /**
     * An UPDATE after a snapshot: normally both rows are judged alike; only a key change between
     * chunks read in different epochs can split the verdict, and then the side the snapshot does
     * not hold is emitted alone (the old key as a DELETE, the new row as an INSERT).
     */
    private void update(Update u, long lsn, PgWalChangeProcessor.Output out) {
        boolean newSide = admits(u.relationId(), u.newTuple());
        boolean oldSide = u.oldTuple() == null ? newSide : admitsQuietly(u.relationId(), u.oldTuple());
        if (newSide && oldSide) {
            if (emitNext()) {
                emit(converter.update(u, source(lsn)), out);
            }
        } else if (oldSide) {
            if (emitNext()) {
                emit(converter.delete(new Delete(u.xid(), u.relationId(), u.oldKind(),
                        u.oldTuple()), source(lsn)), out);
            }
        } else if (newSide) {
            if (emitNext()) {
                emit(converter.insert(new Insert(u.xid(), u.relationId(), u.newTuple()),
                        source(lsn)), out);
            }
        }
    }

    /** Whether the snapshot filter lets a change of this row through (counting what it drops). */
    private boolean admits(int relationId, io.pgwal.decoder.TupleData row) {
        boolean admitted = admitsQuietly(relationId, row);
        if (!admitted) {
            leftOutBySnapshot++;
        }
        return admitted;
    }

    private boolean admitsQuietly(int relationId, io.pgwal.decoder.TupleData row) {
        return snapshotFilter == null || snapshotFilter.admits(
                converter.tableSchema(relationId).relation(), row, txCommitLsn, keyOrder);
    }

    /** Changes left out because the initial snapshot already holds them. */
    long leftOutBySnapshot() {
        return leftOutBySnapshot;
    }

    private void begin(Begin b) {
        if (inTransaction) {
            throw new PgWalException("pgoutput sent Begin of the transaction committed at "
                    + lsn(b.finalLsn()) + " inside the transaction committed at " + lsn(txCommitLsn));
        }
        if (resumeCheckPending) {
            resumeCheckPending = false;
            if (b.finalLsn() != resumeFrom.commitLsn()) {
                throw new PgWalException("Cannot resume exactly once: the restored position says "
                        + resumeFrom.recordsEmitted() + " records of the transaction committed at "
                        + lsn(resumeFrom.commitLsn()) + " were already emitted, but PostgreSQL"
                        + " replayed the transaction committed at " + lsn(b.finalLsn())
                        + " first. The slot no longer holds that transaction (was it advanced or"
                        + " recreated?). Restore from a newer checkpoint, or start without state"
                        + " and re-snapshot the tables.");
            }
        }
        inTransaction = true;
        txCommitLsn = b.finalLsn();
        txXid = b.xid();
        txCommitTimeMicros = b.commitTimeMicros();
        txIndex = 0;
    }

    private void commit(Commit c, Output out) {
        if (!inTransaction || c.commitLsn() != txCommitLsn) {
            throw new PgWalException("pgoutput sent Commit at " + lsn(c.commitLsn())
                    + " without the matching Begin (open transaction: "
                    + (inTransaction ? lsn(txCommitLsn) : "none") + ")");
        }
        inTransaction = false;
        transactions++;
        position = position.afterCommit(txCommitLsn, c.endLsn(), txIndex);
        out.position(position);
    }

    private void logicalMessage(LogicalMessage msg, long lsn, Output out) {
        if (!msg.transactional()) {
            // Non-transactional messages have no commit to anchor an exactly-once position to.
            if (nonTransactionalMessagesDropped++ == 0) {
                LOG.info("Skipping non-transactional logical decoding messages (first at {}, prefix"
                        + " '{}'): pgwal emits only transactional ones", lsn(lsn), msg.prefix());
            }
            return;
        }
        if (emitNext()) {
            emit(converter.message(msg, source(lsn)), out);
        }
    }

    /**
     * Claims the next index in the open transaction; false when the record at that index was
     * already emitted before the restore and must be skipped.
     */
    private boolean emitNext() {
        if (!inTransaction) {
            throw new PgWalException("pgoutput sent a change outside a transaction");
        }
        int cmp = Long.compareUnsigned(txCommitLsn, resumeFrom.commitLsn());
        boolean alreadyEmitted = cmp < 0 || (cmp == 0 && txIndex < resumeFrom.recordsEmitted());
        if (alreadyEmitted) {
            txIndex++;
        }
        return !alreadyEmitted;
    }

    private ChangeSource source(long lsn) {
        return new ChangeSource(lsn, txCommitLsn, txIndex, txXid, txCommitTimeMicros);
    }

    private void emit(GenericRecord record, Output out) {
        position = position.afterRecord(txCommitLsn, txIndex);
        txIndex++;
        out.record(record, position, Math.floorDiv(txCommitTimeMicros, 1000));
    }
}
