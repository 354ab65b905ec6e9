package io.pgwal.decoder;

import io.pgwal.PgWalException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * PostgreSQL's binary COPY format ({@code COPY ... TO STDOUT (FORMAT binary)}; PostgreSQL docs,
 * "COPY", "Binary Format"): the file header, the trailer, and one tuple into a {@link TupleData}
 * of {@link TupleData#BINARY} values (each the column type's {@code send} output) and NULLs.
 *
 * <p>A tuple is an int16 field count, then per field an int32 length ({@code -1} for NULL) and
 * that many bytes; the trailer is the int16 {@code -1}; all big-endian. The header is the 11-byte
 * signature {@code PGCOPY\n\377\r\n\0}, an int32 flags field (bit 16: the rows carry OIDs, which
 * pgwal never asks for) and an int32 header extension length followed by that many bytes.
 * PostgreSQL sends the header in the same CopyData message as the first tuple (or as the
 * trailer, for no rows) and then one message per tuple, which is what {@link #headerLength} and
 * {@link #isTrailer} are for. Stateless.
 */
public final class CopyBinaryRow {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF,
        '\r', '\n', 0};
    private static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private CopyBinaryRow() {}

    /**
     * The length of the file header at the start of {@code message} (the first CopyData message
     * of a binary COPY).
     *
     * @throws PgWalException when the message does not start with the binary COPY signature, or
     *     the flags ask for something pgwal does not read
     */
    public static int headerLength(byte[] message) {
        if (message.length < SIGNATURE.length + 8
                || !Arrays.equals(message, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new PgWalException("A binary COPY did not start with PostgreSQL's binary COPY"
                    + " signature");
        }
        int flags = (int) INT.get(message, SIGNATURE.length);
        if ((flags & 0xFFFF0000) != 0) {
            throw new PgWalException("A binary COPY with header flags 0x"
                    + Integer.toHexString(flags) + " (rows with OIDs, or a format newer than"
                    + " pgwal reads)");
        }
        int extension = (int) INT.get(message, SIGNATURE.length + 4);
        int length = SIGNATURE.length + 8 + extension;
        if (extension < 0 || length > message.length) {
            throw new PgWalException("A binary COPY header with an extension of " + extension
                    + " bytes in a message of " + message.length);
        }
        return length;
    }

    /** True when {@code buffer[from, to)} is the trailer, the int16 {@code -1}. */
    public static boolean isTrailer(byte[] buffer, int from, int to) {
        return to - from == 2 && buffer[from] == (byte) 0xFF && buffer[from + 1] == (byte) 0xFF;
    }

    /**
     * Parses the tuple in {@code buffer[from, to)}, which must be exactly one tuple of {@code
     * columns} fields; the values are views into {@code buffer}.
     *
     * @throws PgWalException when it is not
     */
    public static TupleData parse(byte[] buffer, int from, int to, int columns) {
        if (to - from < 2) {
            throw new PgWalException("A binary COPY tuple of " + (to - from) + " bytes");
        }
        int fields = (short) SHORT.get(buffer, from);
        if (fields != columns) {
            throw new PgWalException("A binary COPY tuple has " + fields + " fields, expected "
                    + columns);
        }
        byte[] kinds = new byte[columns];
        int[] offsets = new int[columns];
        int[] lengths = new int[columns];
        int p = from + 2;
        for (int i = 0; i < columns; i++) {
            if (to - p < 4) {
                throw new PgWalException("A binary COPY tuple ends in field " + (i + 1) + " of "
                        + columns);
            }
            int length = (int) INT.get(buffer, p);
            p += 4;
            if (length == -1) {
                kinds[i] = TupleData.NULL;
                offsets[i] = p;
                continue;
            }
            if (length < 0 || length > to - p) {
                throw new PgWalException("A binary COPY tuple's field " + (i + 1) + " has length "
                        + length + " with " + (to - p) + " bytes left");
            }
            kinds[i] = TupleData.BINARY;
            offsets[i] = p;
            lengths[i] = length;
            p += length;
        }
        if (p != to) {
            throw new PgWalException("A binary COPY tuple has " + (to - p) + " bytes after its "
                    + columns + " fields");
        }
        return new TupleData(buffer, kinds, offsets, lengths);
    }
}
