package io.pgwal.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Binary COPY's header, trailer and tuples (the real stream is in SnapshotBinaryCopyITCase). */
class CopyBinaryRowTest {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF,
        '\r', '\n', 0};

    /** A tuple of the given fields (null: SQL NULL), after {@code prefix} bytes of other data. */
    private static byte[] tuple(int prefix, byte[]... fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[prefix]);
        out.writeShort(fields.length);
        for (byte[] f : fields) {
            out.writeInt(f == null ? -1 : f.length);
            if (f != null) {
                out.write(f);
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void fieldsNullsAndEmptyValuesAreViewsIntoTheBuffer() throws IOException {
        byte[] b = tuple(3, new byte[] {1, 2}, null, new byte[0]);
        TupleData t = CopyBinaryRow.parse(b, 3, b.length, 3);
        assertThat(t.kind(0)).isEqualTo(TupleData.BINARY);
        assertThat(t.bytes(0)).containsExactly(1, 2);
        assertThat(t.buffer()).isSameAs(b);
        assertThat(t.isNull(1)).isTrue();
        assertThat(t.kind(2)).isEqualTo(TupleData.BINARY);
        assertThat(t.length(2)).isZero();
    }

    @Test
    void aTupleOfAnotherShapeIsAnError() throws IOException {
        byte[] two = tuple(0, new byte[] {1}, new byte[] {2});
        assertThatThrownBy(() -> CopyBinaryRow.parse(two, 0, two.length, 3))
                .isInstanceOf(PgWalException.class).hasMessageContaining("2 fields, expected 3");
        assertThatThrownBy(() -> CopyBinaryRow.parse(two, 0, two.length - 1, 2))
                .isInstanceOf(PgWalException.class).hasMessageContaining("length 1");
        byte[] longer = java.util.Arrays.copyOf(two, two.length + 1);
        assertThatThrownBy(() -> CopyBinaryRow.parse(longer, 0, longer.length, 2))
                .isInstanceOf(PgWalException.class).hasMessageContaining("1 bytes after");
    }

    @Test
    void headerWithExtensionAndTrailer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(SIGNATURE);
        out.writeInt(0);
        out.writeInt(3);
        out.write(new byte[] {9, 9, 9});
        out.writeShort(-1);
        byte[] message = bytes.toByteArray();
        int header = CopyBinaryRow.headerLength(message);
        assertThat(header).isEqualTo(22);
        assertThat(CopyBinaryRow.isTrailer(message, header, message.length)).isTrue();
        assertThat(CopyBinaryRow.isTrailer(new byte[] {0, 1}, 0, 2)).isFalse();

        byte[] withOids = message.clone();
        withOids[11 + 1] = 1; // flags bit 16: rows with OIDs
        assertThatThrownBy(() -> CopyBinaryRow.headerLength(withOids))
                .isInstanceOf(PgWalException.class).hasMessageContaining("flags");
        byte[] text = "1\tx\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> CopyBinaryRow.headerLength(text))
                .isInstanceOf(PgWalException.class).hasMessageContaining("signature");
    }
}
