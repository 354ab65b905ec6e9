package io.pgwal.decoder;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One decoded message of PostgreSQL's {@code pgoutput} logical replication protocol (versions
 * 1 to 4).
 *
 * <p>All implementations are immutable records. LSNs are the raw 64-bit WAL positions (use {@code
 * org.postgresql.replication.LogSequenceNumber.valueOf(long)} to print them as {@code X/Y});
 * timestamps are <b>Unix-epoch microseconds</b> (the decoder converts from PostgreSQL's 2000-01-01
 * epoch); transaction ids are unsigned 32-bit values held in a {@code long}. A {@code xid} of
 * {@link #NO_XID} on a data message means the message is not part of a streamed transaction
 * (the field is only on the wire inside Stream Start/Stop blocks, protocol 2+). Inside a block
 * it is the xid of the (sub)transaction that made the change: the Stream Start's xid or that of
 * one of its subtransactions, whose changes a later Stream Abort with that {@code subXid}
 * discards.
 */
public sealed interface PgOutputMessage {

    /** PostgreSQL's InvalidTransactionId: the message carries no transaction id. */
    long NO_XID = 0L;

    /** The protocol tag of this message. */
    MessageType type();

    /** 'B': start of a transaction. {@code finalLsn} is the LSN of its commit record. */
    record Begin(long finalLsn, long commitTimeMicros, long xid) implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.BEGIN;
        }
    }

    /**
     * 'C': end of a transaction. {@code commitLsn} is the LSN of the commit record, {@code endLsn}
     * the LSN just past it: the position to confirm once the transaction is durably processed.
     */
    record Commit(int flags, long commitLsn, long endLsn, long commitTimeMicros)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.COMMIT;
        }
    }

    /** 'O': the transaction was replicated from another origin. */
    record Origin(long commitLsn, String name) implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.ORIGIN;
        }
    }

    /** One column of a {@link Relation} message; {@code key} marks replica-identity columns. */
    record RelationColumn(boolean key, String name, int typeOid, int typeModifier) {}

    /**
     * 'R': describes a table before its first change in a session and after every change of its
     * definition. {@code replicaIdentity} is 'd' (default), 'n' (nothing), 'f' (full) or 'i'
     * (index).
     */
    record Relation(
            long xid,
            int relationId,
            String namespace,
            String name,
            char replicaIdentity,
            List<RelationColumn> columns)
            implements PgOutputMessage {
        public Relation {
            columns = List.copyOf(columns);
        }

        @Override
        public MessageType type() {
            return MessageType.RELATION;
        }
    }

    /** 'Y': describes a non built-in data type used by a following Relation message. */
    record Type(long xid, int typeOid, String namespace, String name) implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.TYPE;
        }
    }

    /** 'I': a new row. */
    record Insert(long xid, int relationId, TupleData newTuple) implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.INSERT;
        }
    }

    /**
     * 'U': an updated row. {@code oldKind} is 'K' when {@code oldTuple} holds only the replica
     * identity key, 'O' when it holds the whole old row, and 0 when there is no old tuple (then
     * {@code oldTuple} is null).
     */
    record Update(long xid, int relationId, char oldKind, TupleData oldTuple, TupleData newTuple)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.UPDATE;
        }
    }

    /** 'D': a deleted row; {@code oldKind} is 'K' (key only) or 'O' (whole old row). */
    record Delete(long xid, int relationId, char oldKind, TupleData oldTuple)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.DELETE;
        }
    }

    /** 'T': one TRUNCATE of one or more tables. Option bits: 1 = CASCADE, 2 = RESTART IDENTITY. */
    record Truncate(long xid, int options, int[] relationIds) implements PgOutputMessage {
        public static final int CASCADE = 1;
        public static final int RESTART_IDENTITY = 2;

        public Truncate {
            relationIds = relationIds.clone();
        }

        /** A copy of the truncated relations' ids. */
        @Override
        public int[] relationIds() {
            return relationIds.clone();
        }

        public int relationCount() {
            return relationIds.length;
        }

        public int relationId(int i) {
            return relationIds[i];
        }

        @Override
        public MessageType type() {
            return MessageType.TRUNCATE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Truncate t
                    && t.xid == xid
                    && t.options == options
                    && Arrays.equals(t.relationIds, relationIds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(xid, options, Arrays.hashCode(relationIds));
        }

        @Override
        public String toString() {
            return "Truncate[xid=" + xid + ", options=" + options + ", relationIds="
                    + Arrays.toString(relationIds) + "]";
        }
    }

    /** 'M': a message written by {@code pg_logical_emit_message}. */
    record LogicalMessage(long xid, boolean transactional, long lsn, String prefix, byte[] content)
            implements PgOutputMessage {
        public LogicalMessage {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public MessageType type() {
            return MessageType.MESSAGE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LogicalMessage m
                    && m.xid == xid
                    && m.transactional == transactional
                    && m.lsn == lsn
                    && m.prefix.equals(prefix)
                    && Arrays.equals(m.content, content);
        }

        @Override
        public int hashCode() {
            return Objects.hash(xid, transactional, lsn, prefix, Arrays.hashCode(content));
        }

        @Override
        public String toString() {
            return "LogicalMessage[xid=" + xid + ", transactional=" + transactional + ", lsn=" + lsn
                    + ", prefix=" + prefix + ", content=" + content.length + " bytes]";
        }
    }

    // ---- protocol version 2: streaming of in-progress transactions ----

    /** 'S': start of a block of changes of an in-progress transaction (protocol 2+). */
    record StreamStart(long xid, boolean firstSegment) implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.STREAM_START;
        }
    }

    /** 'E': end of a Stream Start block (protocol 2+). */
    record StreamStop() implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.STREAM_STOP;
        }
    }

    /** 'c': commit of a streamed transaction (protocol 2+). */
    record StreamCommit(long xid, int flags, long commitLsn, long endLsn, long commitTimeMicros)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.STREAM_COMMIT;
        }
    }

    /**
     * 'A': abort of a streamed (sub)transaction (protocol 2+). {@code abortLsn} and {@code
     * abortTimeMicros} are only sent with protocol 4 and parallel streaming; otherwise they are
     * {@link #UNKNOWN}.
     */
    record StreamAbort(long xid, long subXid, long abortLsn, long abortTimeMicros)
            implements PgOutputMessage {
        public static final long UNKNOWN = Long.MIN_VALUE;

        @Override
        public MessageType type() {
            return MessageType.STREAM_ABORT;
        }
    }

    // ---- protocol version 3: two-phase commit ----

    /** 'b': start of a prepared transaction (protocol 3+). */
    record BeginPrepare(long prepareLsn, long endLsn, long prepareTimeMicros, long xid, String gid)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.BEGIN_PREPARE;
        }
    }

    /** 'P': a transaction was prepared (protocol 3+). */
    record Prepare(
            int flags, long prepareLsn, long endLsn, long prepareTimeMicros, long xid, String gid)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.PREPARE;
        }
    }

    /** 'K': a prepared transaction was committed (protocol 3+). */
    record CommitPrepared(
            int flags, long commitLsn, long endLsn, long commitTimeMicros, long xid, String gid)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.COMMIT_PREPARED;
        }
    }

    /** 'r': a prepared transaction was rolled back (protocol 3+). */
    record RollbackPrepared(
            int flags,
            long prepareEndLsn,
            long rollbackEndLsn,
            long prepareTimeMicros,
            long rollbackTimeMicros,
            long xid,
            String gid)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.ROLLBACK_PREPARED;
        }
    }

    /** 'p': a streamed transaction was prepared (protocol 3+). */
    record StreamPrepare(
            int flags, long prepareLsn, long endLsn, long prepareTimeMicros, long xid, String gid)
            implements PgOutputMessage {
        @Override
        public MessageType type() {
            return MessageType.STREAM_PREPARE;
        }
    }
}
