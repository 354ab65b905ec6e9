package io.pgwal.decoder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked big-endian cursor over one pgoutput message, reused for every message of a
 * {@link PgOutputDecoder} so that decoding allocates nothing but the decoded values.
 *
 * <p>Every read checks the remaining length first and throws {@link PgOutputProtocolException}
 * with the message's tag and the offset relative to the message start, so that no malformed input
 * can surface as an index or buffer exception. Not thread-safe.
 */
final class MessageReader {

    // Plain big-endian reads straight from the byte array; the JIT turns these into single loads.
    private static final VarHandle INT32 =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT64 =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** Seconds between the Unix epoch and PostgreSQL's 2000-01-01 epoch, in microseconds. */
    private static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;

    private byte[] buf;
    private int start;
    private int pos;
    private int end;
    private char tag;

    /** Positions the reader on {@code buf[start, end)}; the caller has checked the bounds. */
    void reset(byte[] buf, int start, int end) {
        this.buf = buf;
        this.start = start;
        this.pos = start;
        this.end = end;
        this.tag = 0;
    }

    /** Records the message's tag for error messages. */
    void tag(char tag) {
        this.tag = tag;
    }

    int remaining() {
        return end - pos;
    }

    /** The offset of the next byte relative to the message start. */
    int offset() {
        return pos - start;
    }

    byte[] buffer() {
        return buf;
    }

    PgOutputProtocolException error(String detail) {
        return new PgOutputProtocolException(tag, offset(), detail);
    }

    /** An error at the current offset plus {@code delta} (-1: about the byte just read). */
    PgOutputProtocolException errorAt(int delta, String detail) {
        return new PgOutputProtocolException(tag, offset() + delta, detail);
    }

    private void require(int n, String field) {
        if (end - pos < n) {
            throw error("truncated: " + field + " needs " + n + " bytes, " + (end - pos) + " left");
        }
    }

    byte int8(String field) {
        require(1, field);
        return buf[pos++];
    }

    short int16(String field) {
        require(2, field);
        short v = (short) (((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF));
        pos += 2;
        return v;
    }

    int int32(String field) {
        require(4, field);
        int v = (int) INT32.get(buf, pos);
        pos += 4;
        return v;
    }

    long int64(String field) {
        require(8, field);
        long v = (long) INT64.get(buf, pos);
        pos += 8;
        return v;
    }

    /** An unsigned 32-bit transaction id. */
    long xid(String field) {
        return Integer.toUnsignedLong(int32(field));
    }

    /** A PostgreSQL timestamp (microseconds since 2000-01-01) as Unix-epoch microseconds. */
    long timestamp(String field) {
        return int64(field) + PG_EPOCH_OFFSET_MICROS;
    }

    /**
     * A length or count field: non-negative and, at {@code minBytesEach} bytes per element, not
     * more than what is left — so that a corrupt value can never cause a huge allocation. Errors
     * name {@code at}, the offset where the field was read.
     */
    int count(int value, int at, int minBytesEach, String field) {
        if (value < 0) {
            throw errorAt(at - offset(), "negative " + field + " " + value);
        }
        if ((long) value * minBytesEach > end - pos) {
            throw errorAt(at - offset(),
                    field + " " + value + " exceeds the " + (end - pos) + " bytes left");
        }
        return value;
    }

    /** A NUL-terminated UTF-8 string. */
    String cstring(String field) {
        int from = pos;
        for (int i = from; i < end; i++) {
            if (buf[i] == 0) {
                pos = i + 1;
                return new String(buf, from, i - from, StandardCharsets.UTF_8);
            }
        }
        throw error("truncated: " + field + " has no NUL terminator");
    }

    /** Skips {@code n} bytes (already validated by {@link #count}) and returns where they start. */
    int skip(int n) {
        int at = pos;
        pos += n;
        return at;
    }

    /** TupleData: int16 column count, then per column a kind byte and for 't'/'b' the value. */
    TupleData tuple() {
        int countAt = offset();
        int columns = count(int16("column count"), countAt, 1, "column count");
        byte[] kinds = new byte[columns];
        int[] offsets = new int[columns];
        int[] lengths = new int[columns];
        for (int i = 0; i < columns; i++) {
            byte kind = int8("column kind");
            switch (kind) {
                case TupleData.NULL, TupleData.UNCHANGED_TOAST -> { }
                case TupleData.TEXT, TupleData.BINARY -> {
                    int at = offset();
                    int length = count(int32("column length"), at, 1, "column length");
                    lengths[i] = length;
                    offsets[i] = skip(length);
                }
                default -> {
                    pos--;
                    throw error("invalid column kind 0x" + Integer.toHexString(kind & 0xFF)
                            + " of column " + i);
                }
            }
            kinds[i] = kind;
        }
        return new TupleData(buf, kinds, offsets, lengths);
    }

    /** Fails unless the whole message was consumed. */
    void expectEnd() {
        if (pos != end) {
            throw error((end - pos) + " trailing bytes after a complete message");
        }
    }
}
