package io.pgwal.decoder;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The column values of one row as sent by pgoutput ('TupleData'): for each column a kind and,
 * for text and binary values, the bytes.
 *
 * <p>Allocation-light: the values are not copied out of the message; this object keeps a
 * reference to the message bytes and the offset and length of each value. The decoder's caller
 * must therefore not modify a buffer after decoding it. Text values are in the connection's client
 * encoding, which pgjdbc sets to UTF-8.
 */
public final class TupleData {

    /** Column kind 'n': the value is SQL NULL. */
    public static final byte NULL = 'n';

    /** Column kind 'u': an unchanged TOASTed value that was not sent; the real value is unknown. */
    public static final byte UNCHANGED_TOAST = 'u';

    /** Column kind 't': the value in PostgreSQL's text format. */
    public static final byte TEXT = 't';

    /** Column kind 'b': the value in PostgreSQL's binary format. */
    public static final byte BINARY = 'b';

    private final byte[] buffer;
    private final byte[] kinds;
    private final int[] offsets;
    private final int[] lengths;

    /** Used by the decoder; the arrays are taken over, not copied. */
    TupleData(byte[] buffer, byte[] kinds, int[] offsets, int[] lengths) {
        this.buffer = buffer;
        this.kinds = kinds;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    /** Builds a tuple of text values (null entries are SQL NULL); for tests and tools. */
    public static TupleData ofText(String... values) {
        byte[][] encoded = new byte[values.length][];
        int total = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
                total += encoded[i].length;
            }
        }
        byte[] buf = new byte[total];
        byte[] kinds = new byte[values.length];
        int[] offsets = new int[values.length];
        int[] lengths = new int[values.length];
        int pos = 0;
        for (int i = 0; i < values.length; i++) {
            if (encoded[i] == null) {
                kinds[i] = NULL;
                continue;
            }
            kinds[i] = TEXT;
            offsets[i] = pos;
            lengths[i] = encoded[i].length;
            System.arraycopy(encoded[i], 0, buf, pos, encoded[i].length);
            pos += encoded[i].length;
        }
        return new TupleData(buf, kinds, offsets, lengths);
    }

    /** The number of columns. */
    public int size() {
        return kinds.length;
    }

    /**
     * The kind of column {@code i}: {@link #NULL}, {@link #UNCHANGED_TOAST}, {@link #TEXT} or
     * {@link #BINARY}.
     */
    public byte kind(int i) {
        return kinds[i];
    }

    public boolean isNull(int i) {
        return kinds[i] == NULL;
    }

    public boolean isUnchangedToast(int i) {
        return kinds[i] == UNCHANGED_TOAST;
    }

    /** The array that holds the value bytes (shared, do not modify). */
    public byte[] buffer() {
        return buffer;
    }

    /** The offset of column {@code i}'s value in {@link #buffer()}. */
    public int offset(int i) {
        return offsets[i];
    }

    /** The length in bytes of column {@code i}'s value (0 for null and unchanged TOAST). */
    public int length(int i) {
        return lengths[i];
    }

    /** Column {@code i} decoded as UTF-8 text, or null when it has no value. */
    public String text(int i) {
        byte k = kinds[i];
        if (k != TEXT && k != BINARY) {
            return null;
        }
        return new String(buffer, offsets[i], lengths[i], StandardCharsets.UTF_8);
    }

    /** A copy of column {@code i}'s bytes, or null when it has no value. */
    public byte[] bytes(int i) {
        byte k = kinds[i];
        if (k != TEXT && k != BINARY) {
            return null;
        }
        return Arrays.copyOfRange(buffer, offsets[i], offsets[i] + lengths[i]);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TupleData t) || t.size() != size()) {
            return false;
        }
        for (int i = 0; i < kinds.length; i++) {
            if (t.kinds[i] != kinds[i]
                    || !Arrays.equals(
                            buffer, offsets[i], offsets[i] + lengths[i],
                            t.buffer, t.offsets[i], t.offsets[i] + t.lengths[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < kinds.length; i++) {
            h = 31 * h + kinds[i];
            for (int j = offsets[i]; j < offsets[i] + lengths[i]; j++) {
                h = 31 * h + buffer[j];
            }
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TupleData[");
        for (int i = 0; i < kinds.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            switch (kinds[i]) {
                case NULL -> sb.append("null");
                case UNCHANGED_TOAST -> sb.append("<unchanged toast>");
                case BINARY -> sb.append("<").append(lengths[i]).append(" bytes>");
                default -> sb.append('\'').append(text(i)).append('\'');
            }
        }
        return sb.append(']').toString();
    }
}
