package io.pgwal.decoder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Parses one row of {@code COPY ... TO STDOUT} in PostgreSQL's text format into a {@link
 * TupleData} of text values, the same form pgoutput sends: a column's text is its type's output
 * function result in both cases, so one set of value converters serves the stream and the
 * snapshot.
 *
 * <p>Format (PostgreSQL docs, "COPY", text format): columns separated by a tab, the row ended by a
 * newline, {@code \N} for NULL, and backslash escapes for backslash, the control characters
 * ({@code \b \f \n \r \t \v}), octal ({@code \ooo}) and hex ({@code \xhh}) bytes. Values are in the
 * client encoding, UTF-8 for pgjdbc. Stateless; the returned tuple owns a fresh buffer.
 */
public final class CopyTextRow {

    private CopyTextRow() {}

    /**
     * Parses {@code row} (one row as pgjdbc's {@code CopyOut.readFromCopy()} returns it, with or
     * without its trailing newline).
     *
     * @throws io.pgwal.PgWalException when the row does not have {@code columns} columns or
     *     ends inside an escape
     */
    public static TupleData parse(byte[] row, int columns) {
        return parse(row, 0, row.length, columns);
    }

    /**
     * Parses the row in {@code buffer[from, to)} (with or without its trailing newline); the
     * values of a row without escapes are views into {@code buffer}.
     *
     * @throws io.pgwal.PgWalException as {@link #parse(byte[], int)}
     */
    public static TupleData parse(byte[] buffer, int from, int to, int columns) {
        int end = to;
        if (end > from && buffer[end - 1] == '\n') {
            end--;
        }
        TupleData plain = parsePlain(buffer, from, end, columns);
        return plain != null ? plain : parseEscaped(buffer, from, end, columns);
    }

    /**
     * The common case, a row without any backslash: the values are views into {@code row} itself
     * (no copy). Returns null when the row has a backslash.
     */
    private static TupleData parsePlain(byte[] row, int from, int end, int columns) {
        byte[] kinds = new byte[columns];
        int[] offsets = new int[columns];
        int[] lengths = new int[columns];
        int col = 0;
        int start = from;
        int i = from;
        while (i < end) {
            byte b;
            if (i + 8 <= end) {
                // Eight bytes at a time: skip a word without a tab or backslash, else jump to the
                // first one (the lowest flagged byte of zeroByte is exact).
                long w = (long) LONGS.get(row, i);
                long found = zeroByte(w ^ TABS) | zeroByte(w ^ BACKSLASHES);
                if (found == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(found) >>> 3;
                b = row[i];
            } else {
                b = row[i];
                if (b != '\\' && b != '\t') {
                    i++;
                    continue;
                }
            }
            if (b == '\\') {
                return null;
            }
            if (col == columns - 1) {
                throw new io.pgwal.PgWalException("COPY row has more than " + columns
                        + " columns (byte " + (i - from) + ")");
            }
            kinds[col] = TupleData.TEXT;
            offsets[col] = start;
            lengths[col] = i - start;
            col++;
            i++;
            start = i;
        }
        if (col != columns - 1) {
            throw new io.pgwal.PgWalException("COPY row has " + (col + 1) + " columns, expected "
                    + columns);
        }
        kinds[col] = TupleData.TEXT;
        offsets[col] = start;
        lengths[col] = end - start;
        return new TupleData(row, kinds, offsets, lengths);
    }

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long TABS = 0x0909090909090909L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

    /** Non-zero exactly when one of the eight bytes of {@code x} is zero. */
    private static long zeroByte(long x) {
        return (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
    }

    private static TupleData parseEscaped(byte[] row, int from, int end, int columns) {
        byte[] out = new byte[end - from];
        byte[] kinds = new byte[columns];
        int[] offsets = new int[columns];
        int[] lengths = new int[columns];
        int col = 0;
        int w = 0;
        int start = 0;
        int i = from;
        boolean isNull = false;
        while (true) {
            if (i == end || row[i] == '\t') {
                if (col == columns) {
                    throw new io.pgwal.PgWalException("COPY row has more than " + columns
                            + " columns (byte " + (i - from) + ")");
                }
                kinds[col] = isNull ? TupleData.NULL : TupleData.TEXT;
                offsets[col] = start;
                lengths[col] = isNull ? 0 : w - start;
                col++;
                if (i == end) {
                    break;
                }
                i++;
                start = w;
                isNull = false;
                continue;
            }
            byte b = row[i++];
            if (b != '\\') {
                out[w++] = b;
                continue;
            }
            if (i == end) {
                throw new io.pgwal.PgWalException("COPY row ends inside a backslash escape");
            }
            byte e = row[i++];
            switch (e) {
                case 'N' -> isNull = true;
                case 'b' -> out[w++] = '\b';
                case 'f' -> out[w++] = '\f';
                case 'n' -> out[w++] = '\n';
                case 'r' -> out[w++] = '\r';
                case 't' -> out[w++] = '\t';
                case 'v' -> out[w++] = 0x0B;
                case 'x' -> {
                    int v = 0;
                    int digits = 0;
                    while (digits < 2 && i < end && Character.digit(row[i], 16) >= 0) {
                        v = v * 16 + Character.digit(row[i++], 16);
                        digits++;
                    }
                    out[w++] = digits == 0 ? (byte) 'x' : (byte) v;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int d = 0; d < 2 && i < end && row[i] >= '0' && row[i] <= '7'; d++) {
                            v = v * 8 + (row[i++] - '0');
                        }
                        out[w++] = (byte) v;
                    } else {
                        out[w++] = e; // "\\" and any other escaped character stand for themselves
                    }
                }
            }
        }
        if (col != columns) {
            throw new io.pgwal.PgWalException("COPY row has " + col + " columns, expected "
                    + columns);
        }
        return new TupleData(out, kinds, offsets, lengths);
    }
}
