package io.pgwal.decoder;

import io.pgwal.decoder.PgOutputMessage.Begin;
import io.pgwal.decoder.PgOutputMessage.BeginPrepare;
import io.pgwal.decoder.PgOutputMessage.Commit;
import io.pgwal.decoder.PgOutputMessage.CommitPrepared;
import io.pgwal.decoder.PgOutputMessage.Delete;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Origin;
import io.pgwal.decoder.PgOutputMessage.Prepare;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.PgOutputMessage.RollbackPrepared;
import io.pgwal.decoder.PgOutputMessage.StreamAbort;
import io.pgwal.decoder.PgOutputMessage.StreamCommit;
import io.pgwal.decoder.PgOutputMessage.StreamPrepare;
import io.pgwal.decoder.PgOutputMessage.StreamStart;
import io.pgwal.decoder.PgOutputMessage.StreamStop;
import io.pgwal.decoder.PgOutputMessage.Truncate;
import io.pgwal.decoder.PgOutputMessage.Type;
import io.pgwal.decoder.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Decodes the messages of PostgreSQL's built-in {@code pgoutput} logical decoding plugin (wire
 * format of {@code src/backend/replication/logical/proto.c}, protocol versions 1 to 4) into
 * {@link PgOutputMessage} records.
 *
 * <p>One call of {@link #decode(ByteBuffer)} decodes exactly one message: the bytes from the
 * buffer's position to its limit (the payload of one XLogData / one row of {@code
 * pg_logical_slot_get_binary_changes}). The buffer's position is not changed. Array-backed
 * buffers are not copied: the returned {@link TupleData} values point into the buffer's array, so
 * the caller must not reuse the array while it holds the decoded message. Other buffers are
 * copied once.
 *
 * <p>The decoder is stateful only for streaming (protocol 2+): between Stream Start and Stream
 * Stop, data messages (Relation, Type, Insert, Update, Delete, Truncate, Message) carry a leading
 * int32 xid: that of the (sub)transaction that made the change, so it is either the Stream
 * Start's xid or the xid of one of its subtransactions (which a Stream Abort may discard). Inside
 * such a block, Message always carries the xid, because pgoutput writes it for every message while
 * streaming (non-transactional messages are never sent inside a block). Nested Stream Start,
 * Stream Stop outside a block and transaction-control messages inside a block are protocol
 * errors, since they mean the decoder's idea of the stream state is wrong and xids would be
 * misread.
 *
 * <p>Origin may follow Stream Start inside a block (sent with the first segment of a
 * transaction from another origin) and carries no xid.
 *
 * <p>Stream Abort carries the abort LSN and timestamp only with protocol 4 and {@code
 * streaming=parallel}; that option is not known to the decoder, so in protocol 4 the fields are
 * read when the message has exactly the 16 bytes for them and are {@link StreamAbort#UNKNOWN}
 * when it ends after the subtransaction xid.
 *
 * <p>Malformed input always ends in a {@link PgOutputProtocolException}; a failed call leaves
 * the stream state unchanged.
 *
 * <p>Not thread-safe: use one decoder per replication stream.
 */
public final class PgOutputDecoder {

    private final int protocolVersion;
    private final MessageReader in = new MessageReader();
    private boolean inStream;

    /**
     * @param protocolVersion the {@code proto_version} requested from pgoutput, 1 to 4
     * @throws IllegalArgumentException for any other version
     */
    public PgOutputDecoder(int protocolVersion) {
        if (protocolVersion < 1 || protocolVersion > 4) {
            throw new IllegalArgumentException(
                    "pgoutput protocol version must be 1 to 4, not " + protocolVersion);
        }
        this.protocolVersion = protocolVersion;
    }

    /** The protocol version this decoder reads. */
    public int protocolVersion() {
        return protocolVersion;
    }

    /** Whether the last decoded message left the stream inside a Stream Start/Stop block. */
    public boolean inStream() {
        return inStream;
    }

    /**
     * Decodes the one message between the buffer's position and limit.
     *
     * @throws PgOutputProtocolException if the bytes are not one complete, valid message of this
     *     protocol version
     */
    public PgOutputMessage decode(ByteBuffer message) {
        int length = message.remaining();
        if (message.hasArray()) {
            int from = message.arrayOffset() + message.position();
            in.reset(message.array(), from, from + length);
        } else {
            // A fresh array per message: decoded TupleData keeps pointing into it.
            byte[] copy = new byte[length];
            message.get(message.position(), copy);
            in.reset(copy, 0, length);
        }
        if (length == 0) {
            throw in.error("empty message");
        }
        byte tagByte = in.int8("tag");
        in.tag((char) (tagByte & 0xFF));
        MessageType type = MessageType.ofTag(tagByte);
        if (type == null) {
            throw new PgOutputProtocolException((char) (tagByte & 0xFF), 0, "unknown message tag");
        }
        if (type.sinceProtocolVersion() > protocolVersion) {
            throw new PgOutputProtocolException(type.tag(), 0, type + " needs protocol version "
                    + type.sinceProtocolVersion() + ", this stream uses " + protocolVersion);
        }
        checkStreamState(type);
        PgOutputMessage decoded = decodeBody(type);
        in.expectEnd();
        if (type == MessageType.STREAM_START) {
            inStream = true;
        } else if (type == MessageType.STREAM_STOP) {
            inStream = false;
        }
        return decoded;
    }

    private void checkStreamState(MessageType type) {
        boolean allowedInStream = switch (type) {
            case RELATION, TYPE, INSERT, UPDATE, DELETE, TRUNCATE, MESSAGE, ORIGIN, STREAM_STOP ->
                    true;
            default -> false;
        };
        if (inStream && !allowedInStream) {
            throw new PgOutputProtocolException(type.tag(), 0,
                    type + " inside a Stream Start/Stop block");
        }
        if (!inStream && type == MessageType.STREAM_STOP) {
            throw new PgOutputProtocolException(type.tag(), 0, "Stream Stop without Stream Start");
        }
    }

    private PgOutputMessage decodeBody(MessageType type) {
        return switch (type) {
            case BEGIN -> new Begin(in.int64("final LSN"), in.timestamp("commit time"),
                    in.xid("xid"));
            case COMMIT -> new Commit(flags(), in.int64("commit LSN"),
                    in.int64("end LSN"), in.timestamp("commit time"));
            case ORIGIN -> new Origin(in.int64("origin LSN"), in.cstring("origin name"));
            case RELATION -> relation();
            case TYPE -> new Type(streamXid(), in.int32("type OID"), in.cstring("namespace"),
                    in.cstring("type name"));
            case INSERT -> insert();
            case UPDATE -> update();
            case DELETE -> delete();
            case TRUNCATE -> truncate();
            case MESSAGE -> logicalMessage();
            case STREAM_START -> new StreamStart(in.xid("xid"), firstSegment());
            case STREAM_STOP -> new StreamStop();
            case STREAM_COMMIT -> new StreamCommit(in.xid("xid"), flags(),
                    in.int64("commit LSN"), in.int64("end LSN"), in.timestamp("commit time"));
            case STREAM_ABORT -> streamAbort();
            case BEGIN_PREPARE -> new BeginPrepare(in.int64("prepare LSN"), in.int64("end LSN"),
                    in.timestamp("prepare time"), in.xid("xid"), in.cstring("gid"));
            case PREPARE -> new Prepare(flags(), in.int64("prepare LSN"),
                    in.int64("end LSN"), in.timestamp("prepare time"), in.xid("xid"),
                    in.cstring("gid"));
            case COMMIT_PREPARED -> new CommitPrepared(flags(), in.int64("commit LSN"),
                    in.int64("end LSN"), in.timestamp("commit time"), in.xid("xid"),
                    in.cstring("gid"));
            case ROLLBACK_PREPARED -> new RollbackPrepared(flags(),
                    in.int64("prepare end LSN"), in.int64("rollback end LSN"),
                    in.timestamp("prepare time"), in.timestamp("rollback time"), in.xid("xid"),
                    in.cstring("gid"));
            case STREAM_PREPARE -> new StreamPrepare(flags(), in.int64("prepare LSN"),
                    in.int64("end LSN"), in.timestamp("prepare time"), in.xid("xid"),
                    in.cstring("gid"));
        };
    }

    /** The int8 flags of commit and prepare messages, unsigned (PostgreSQL sends 0 so far). */
    private int flags() {
        return in.int8("flags") & 0xFF;
    }

    /** The leading xid of a data message in a stream block, else {@link PgOutputMessage#NO_XID}. */
    private long streamXid() {
        return inStream ? in.xid("streamed xid") : PgOutputMessage.NO_XID;
    }

    private boolean firstSegment() {
        byte b = in.int8("first segment");
        if (b != 0 && b != 1) {
            throw error(-1, "first-segment flag must be 0 or 1, not " + b);
        }
        return b == 1;
    }

    private Relation relation() {
        long xid = streamXid();
        int relationId = in.int32("relation OID");
        String namespace = in.cstring("namespace");
        String name = in.cstring("relation name");
        byte identity = in.int8("replica identity");
        if (identity != 'd' && identity != 'n' && identity != 'f' && identity != 'i') {
            throw error(-1, "invalid replica identity 0x" + Integer.toHexString(identity & 0xFF));
        }
        // Each column takes at least flags + NUL + type OID + typmod = 10 bytes.
        int countAt = in.offset();
        int count = in.count(in.int16("column count"), countAt, 10, "column count");
        RelationColumn[] columns = new RelationColumn[count];
        for (int i = 0; i < count; i++) {
            boolean key = (in.int8("column flags") & 1) != 0;
            columns[i] = new RelationColumn(key, in.cstring("column name"),
                    in.int32("column type OID"), in.int32("column type modifier"));
        }
        return new Relation(xid, relationId, namespace, name, (char) identity,
                Arrays.asList(columns));
    }

    private Insert insert() {
        long xid = streamXid();
        int relationId = in.int32("relation OID");
        expectTupleMarker('N');
        return new Insert(xid, relationId, in.tuple());
    }

    private Update update() {
        long xid = streamXid();
        int relationId = in.int32("relation OID");
        byte marker = in.int8("tuple marker");
        char oldKind = 0;
        TupleData oldTuple = null;
        if (marker == 'K' || marker == 'O') {
            oldKind = (char) marker;
            oldTuple = in.tuple();
            marker = in.int8("tuple marker");
        }
        if (marker != 'N') {
            throw error(-1, "expected new tuple marker 'N', found 0x"
                    + Integer.toHexString(marker & 0xFF));
        }
        return new Update(xid, relationId, oldKind, oldTuple, in.tuple());
    }

    private Delete delete() {
        long xid = streamXid();
        int relationId = in.int32("relation OID");
        byte marker = in.int8("tuple marker");
        if (marker != 'K' && marker != 'O') {
            throw error(-1, "expected old tuple marker 'K' or 'O', found 0x"
                    + Integer.toHexString(marker & 0xFF));
        }
        return new Delete(xid, relationId, (char) marker, in.tuple());
    }

    private void expectTupleMarker(char expected) {
        byte marker = in.int8("tuple marker");
        if (marker != expected) {
            throw error(-1, "expected tuple marker '" + expected + "', found 0x"
                    + Integer.toHexString(marker & 0xFF));
        }
    }

    private Truncate truncate() {
        long xid = streamXid();
        int countAt = in.offset();
        int count = in.int32("relation count");
        int options = in.int8("options") & 0xFF;
        in.count(count, countAt, 4, "relation count");
        int[] relationIds = new int[count];
        for (int i = 0; i < count; i++) {
            relationIds[i] = in.int32("relation OID");
        }
        return new Truncate(xid, options, relationIds);
    }

    private LogicalMessage logicalMessage() {
        long xid = streamXid();
        boolean transactional = (in.int8("flags") & 1) != 0;
        long lsn = in.int64("message LSN");
        String prefix = in.cstring("prefix");
        int lengthAt = in.offset();
        int length = in.count(in.int32("content length"), lengthAt, 1, "content length");
        int from = in.skip(length);
        // The record copies the content; messages are rare, so that copy is not on the hot path.
        byte[] content = Arrays.copyOfRange(in.buffer(), from, from + length);
        return new LogicalMessage(xid, transactional, lsn, prefix, content);
    }

    private StreamAbort streamAbort() {
        long xid = in.xid("xid");
        long subXid = in.xid("subtransaction xid");
        // Protocol 4 with streaming=parallel appends the abort LSN and time; see the class doc.
        if (protocolVersion >= 4 && in.remaining() == 16) {
            return new StreamAbort(xid, subXid, in.int64("abort LSN"), in.timestamp("abort time"));
        }
        return new StreamAbort(xid, subXid, StreamAbort.UNKNOWN, StreamAbort.UNKNOWN);
    }

    /** An error about the byte just read. */
    private PgOutputProtocolException error(int delta, String detail) {
        return in.errorAt(delta, detail);
    }
}
