package io.pgwal.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** COPY's text format into the same TupleData pgoutput produces. */
class CopyTextRowTest {

    /** Parses {@code row} inside a buffer of other bytes, as rows of a chunk buffer are. */
    private static TupleData parse(String row, int columns) {
        byte[] bytes = row.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[bytes.length + 10];
        java.util.Arrays.fill(buffer, (byte) '\\');
        System.arraycopy(bytes, 0, buffer, 5, bytes.length);
        return CopyTextRow.parse(buffer, 5, 5 + bytes.length, columns);
    }

    @Test
    void valuesNullsAndEmptyStrings() {
        TupleData t = parse("1\t\\N\t\tlast\n", 4);
        assertThat(t.size()).isEqualTo(4);
        assertThat(t.text(0)).isEqualTo("1");
        assertThat(t.isNull(1)).isTrue();
        assertThat(t.kind(2)).isEqualTo(TupleData.TEXT);
        assertThat(t.text(2)).isEmpty();
        assertThat(t.text(3)).isEqualTo("last");
    }

    @Test
    void everyEscapeCopyWrites() {
        TupleData t = parse("a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\t\\101\\x42\\x4\tSüd", 3);
        assertThat(t.text(0)).isEqualTo("a\tb\nc\\d\re\bf\fg\u000Bh");
        assertThat(t.text(1)).isEqualTo("AB\u0004");
        assertThat(t.text(2)).isEqualTo("Süd");
    }

    @Test
    void aLiteralBackslashNIsNotNull() {
        // COPY writes a backslash as \\ , so "\\N" is the two characters \N, not NULL.
        TupleData t = parse("\\\\N", 1);
        assertThat(t.isNull(0)).isFalse();
        assertThat(t.text(0)).isEqualTo("\\N");
    }

    @Test
    void wrongColumnCountsAndCutEscapesAreErrors() {
        assertThatThrownBy(() -> parse("1\t2", 1)).isInstanceOf(PgWalException.class)
                .hasMessageContaining("more than 1");
        assertThatThrownBy(() -> parse("1", 2)).isInstanceOf(PgWalException.class)
                .hasMessageContaining("expected 2");
        assertThatThrownBy(() -> parse("abc\\", 1)).isInstanceOf(PgWalException.class)
                .hasMessageContaining("escape");
    }

    /**
     * Rows of every length and column layout, at every offset in a buffer, with multi-byte UTF-8
     * and bytes near the tab and backslash values: the word-at-a-time scan splits as a plain
     * split does, and sends any row with a backslash to the escape path.
     */
    @Test
    void randomRowsSplitLikeAPlainSplit() {
        java.util.Random random = new java.util.Random(11);
        String alphabet = "ab\u00e9\u20ac\b\u000b[]\\"; // no raw newline: COPY escapes it
        for (int n = 0; n < 20_000; n++) {
            int columns = 1 + random.nextInt(9);
            StringBuilder row = new StringBuilder();
            java.util.List<String> values = new java.util.ArrayList<>();
            for (int c = 0; c < columns; c++) {
                StringBuilder v = new StringBuilder();
                row.append(c == 0 ? "" : "\t");
                for (int k = random.nextInt(random.nextBoolean() ? 4 : 40); k > 0; k--) {
                    char ch = alphabet.charAt(random.nextInt(alphabet.length()));
                    if (ch == '\\' && random.nextInt(8) != 0) {
                        ch = 'x';
                    }
                    v.append(ch);
                    // A backslash in a value is "\\" in COPY's text (and sends the row to the
                    // escape path).
                    row.append(ch == '\\' ? "\\\\" : String.valueOf(ch));
                }
                values.add(v.toString());
            }
            byte[] bytes = row.toString().getBytes(StandardCharsets.UTF_8);
            int offset = random.nextInt(9);
            byte[] buffer = new byte[offset + bytes.length + random.nextInt(9)];
            java.util.Arrays.fill(buffer, (byte) '\t');
            System.arraycopy(bytes, 0, buffer, offset, bytes.length);
            TupleData t = CopyTextRow.parse(buffer, offset, offset + bytes.length, columns);
            for (int c = 0; c < columns; c++) {
                assertThat(t.text(c)).as("row %d column %d", n, c).isEqualTo(values.get(c));
            }
        }
    }
}
