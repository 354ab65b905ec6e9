package io.pgwal.decoder;

import java.nio.charset.StandardCharsets;

/**
 * Builds {@link TupleData} with any column kinds for tests outside the decoder ({@link
 * TupleData#ofText} only makes text and null values). Lives in the decoder's package to use its
 * package-private constructor.
 */
public final class TestTuples {

    private TestTuples() {}

    /**
     * One value per column: a String is a text value, null is SQL NULL, {@link #UNCHANGED} an
     * unchanged TOAST value, and a byte[] a binary value.
     */
    public static TupleData of(Object... values) {
        String[] texts = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            // Binary bytes pass through ofText as ISO-8859-1 text: one char per byte.
            texts[i] = values[i] instanceof String s ? s
                    : values[i] instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1)
                    : null;
        }
        TupleData base = TupleData.ofText(texts);
        byte[] kinds = new byte[values.length];
        int[] offsets = new int[values.length];
        int[] lengths = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            kinds[i] = values[i] == UNCHANGED ? TupleData.UNCHANGED_TOAST
                    : values[i] instanceof byte[] ? TupleData.BINARY
                    : base.kind(i);
            offsets[i] = base.offset(i);
            lengths[i] = base.length(i);
        }
        return new TupleData(base.buffer(), kinds, offsets, lengths);
    }

    /** Marks an unchanged TOAST value in {@link #of}. */
    public static final Object UNCHANGED = new Object();
}
