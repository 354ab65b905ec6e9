package io.pgwal.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.decoder.PgOutputMessage.StreamAbort;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * Malformed input always ends in a {@link PgOutputProtocolException} that names the message type
 * and the offset: truncations of real messages, seeded random corruption and specific cases.
 */
class PgOutputDecoderMalformedTest {

    /** A Stream Start, to put a decoder inside a stream block. */
    private static final byte[] STREAM_START = MessageBytes.tag('S').i32(700).i8(1).bytes();

    private static PgOutputDecoder decoder(int version, boolean inStream) {
        PgOutputDecoder d = new PgOutputDecoder(version);
        if (inStream) {
            d.decode(ByteBuffer.wrap(STREAM_START));
        }
        return d;
    }

    @Test
    void everyTruncationOfEveryFixtureMessageIsAProtocolError() {
        int checked = 0;
        for (String fixture : PgOutputDecoderTest.FIXTURES) {
            CaptureFile capture = CaptureFile.load(fixture);
            // Failed calls leave the stream state alone, so one decoder follows the whole capture.
            PgOutputDecoder decoder = new PgOutputDecoder(capture.protocolVersion());
            for (byte[] message : capture.messages()) {
                for (int length = 0; length < message.length; length++) {
                    byte[] truncated = Arrays.copyOf(message, length);
                    if (isStreamAbortWithoutAbortInfo(capture.protocolVersion(), message, length)) {
                        // Protocol 4 without streaming=parallel: valid, see the decoder's javadoc.
                        StreamAbort a = (StreamAbort) decoder.decode(ByteBuffer.wrap(truncated));
                        assertThat(a.abortLsn()).isEqualTo(StreamAbort.UNKNOWN);
                        continue;
                    }
                    int limit = length;
                    assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(truncated)))
                            .as("%s, %d of %d bytes", fixture, length, message.length)
                            .isInstanceOfSatisfying(PgOutputProtocolException.class, e -> {
                                assertThat(e.offset()).isBetween(0, limit);
                                assertThat(e.getMessage()).contains("at byte offset " + e.offset());
                                if (limit > 0) {
                                    assertThat(e.tag()).isEqualTo((char) message[0]);
                                    assertThat(e.getMessage())
                                            .contains(MessageType.ofTag(message[0]).name());
                                }
                            });
                    checked++;
                }
                decoder.decode(ByteBuffer.wrap(message));
            }
        }
        assertThat(checked).isGreaterThan(50_000);
    }

    private static boolean isStreamAbortWithoutAbortInfo(int version, byte[] message, int length) {
        return version >= 4 && message[0] == 'A' && length == 9;
    }

    @Test
    void randomCorruptionNeverThrowsAnythingElse() {
        Random random = new Random(20260101L);
        int decoded = 0;
        int rejected = 0;
        for (String fixture : PgOutputDecoderTest.FIXTURES) {
            CaptureFile capture = CaptureFile.load(fixture);
            PgOutputDecoder tracker = new PgOutputDecoder(capture.protocolVersion());
            for (byte[] message : capture.messages()) {
                boolean inStream = tracker.inStream();
                tracker.decode(ByteBuffer.wrap(message));
                for (int round = 0; round < 8; round++) {
                    byte[] corrupt = corrupt(message, random);
                    try {
                        decoder(capture.protocolVersion(), inStream)
                                .decode(ByteBuffer.wrap(corrupt));
                        decoded++;
                    } catch (PgOutputProtocolException expected) {
                        assertThat(expected.getMessage()).contains("at byte offset");
                        rejected++;
                    }
                }
            }
        }
        // Both outcomes happen: flips inside values decode, flips in structure are rejected.
        assertThat(decoded).isPositive();
        assertThat(rejected).isPositive();
    }

    /** Flips random bits, overwrites random bytes with extreme values, or cuts/extends the end. */
    private static byte[] corrupt(byte[] message, Random random) {
        byte[] copy = message.clone();
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            int at = random.nextInt(copy.length);
            switch (random.nextInt(4)) {
                case 0 -> copy[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> copy[at] = (byte) 0xFF;
                case 2 -> copy[at] = (byte) 0x7F;
                default -> copy[at] = (byte) random.nextInt(256);
            }
        }
        if (random.nextInt(4) == 0) {
            copy = Arrays.copyOf(copy, Math.max(0, copy.length + random.nextInt(9) - 4));
        }
        return copy;
    }

    private static AbstractThrowableAssert<?, ?> rejects(
            PgOutputDecoder decoder, byte[] message, String type, int offset, String detail) {
        return assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(message)))
                .isInstanceOfSatisfying(PgOutputProtocolException.class,
                        e -> assertThat(e.offset()).isEqualTo(offset))
                .hasMessageContaining(type)
                .hasMessageContaining("at byte offset " + offset)
                .hasMessageContaining(detail);
    }

    @Test
    void emptyMessageAndUnknownTags() {
        PgOutputDecoder d = new PgOutputDecoder(4);
        rejects(d, new byte[0], "Malformed", 0, "empty message");
        rejects(d, new byte[] {'X', 1, 2}, "'X' (unknown)", 0, "unknown message tag");
        rejects(d, new byte[] {(byte) 0xC3}, "0xc3 (unknown)", 0, "unknown message tag");
    }

    @Test
    void messagesNewerThanTheProtocolVersion() {
        rejects(new PgOutputDecoder(1), STREAM_START, "STREAM_START", 0,
                "needs protocol version 2");
        byte[] prepare = MessageBytes.tag('P').i8(0).i64(1).i64(2).i64(3).i32(4).str("g").bytes();
        rejects(new PgOutputDecoder(2), prepare, "PREPARE", 0, "needs protocol version 3");
        assertThat(new PgOutputDecoder(3).decode(ByteBuffer.wrap(prepare)).type())
                .isEqualTo(MessageType.PREPARE);
    }

    @Test
    void trailingGarbage() {
        byte[] stop = {'E', 0};
        rejects(decoder(2, true), stop, "STREAM_STOP", 1, "1 trailing bytes");
        byte[] begin = MessageBytes.tag('B').i64(1).i64(2).i32(3).i16(0).bytes();
        rejects(new PgOutputDecoder(1), begin, "BEGIN", 21, "2 trailing bytes");
    }

    @Test
    void badLengthsAndCounts() {
        PgOutputDecoder d = new PgOutputDecoder(1);
        byte[] negativeLength = MessageBytes.tag('I').i32(1).i8('N').i16(1).i8('t').i32(-1).bytes();
        rejects(d, negativeLength, "INSERT", 9, "negative column length -1");
        byte[] hugeLength = MessageBytes.tag('I').i32(1).i8('N').i16(1).i8('b')
                .i32(Integer.MAX_VALUE)
                .raw(new byte[10]).bytes();
        rejects(d, hugeLength, "INSERT", 9, "column length 2147483647 exceeds the 10 bytes left");
        byte[] negativeColumns = MessageBytes.tag('I').i32(1).i8('N').i16(-2).bytes();
        rejects(d, negativeColumns, "INSERT", 6, "negative column count -2");
        byte[] tooManyColumns = MessageBytes.tag('I').i32(1).i8('N').i16(30000).i8('n').bytes();
        rejects(d, tooManyColumns, "INSERT", 6, "column count 30000 exceeds");
        byte[] relationColumns = MessageBytes.tag('R').i32(1).str("public").str("t").i8('d')
                .i16(5).i8(1).str("id").i32(23).i32(-1).bytes();
        rejects(d, relationColumns, "RELATION", 15, "column count 5 exceeds");
        byte[] negativeTruncate = MessageBytes.tag('T').i32(-1).i8(0).bytes();
        rejects(d, negativeTruncate, "TRUNCATE", 1, "negative relation count");
        byte[] hugeTruncate = MessageBytes.tag('T').i32(Integer.MAX_VALUE).i8(0).i32(5).bytes();
        rejects(d, hugeTruncate, "TRUNCATE", 1, "relation count 2147483647 exceeds");
        byte[] hugeContent = MessageBytes.tag('M').i8(1).i64(9).str("p").i32(1 << 30).bytes();
        rejects(d, hugeContent, "MESSAGE", 12, "content length 1073741824 exceeds the 0 bytes");
    }

    @Test
    void missingNulTerminator() {
        byte[] origin = MessageBytes.tag('O').i64(5).raw("upstream".getBytes()).bytes();
        rejects(new PgOutputDecoder(1), origin, "ORIGIN", 9, "origin name has no NUL terminator");
        byte[] type = MessageBytes.tag('Y').i32(99).str("public").raw("mood".getBytes()).bytes();
        rejects(new PgOutputDecoder(1), type, "TYPE", 12, "type name has no NUL terminator");
    }

    @Test
    void invalidKindsAndMarkers() {
        PgOutputDecoder d = new PgOutputDecoder(1);
        byte[] kind = MessageBytes.tag('I').i32(1).i8('N').i16(2).i8('n').i8('x').bytes();
        rejects(d, kind, "INSERT", 9, "invalid column kind 0x78 of column 1");
        byte[] insertMarker = MessageBytes.tag('I').i32(1).i8('K').i16(0).bytes();
        rejects(d, insertMarker, "INSERT", 5, "expected tuple marker 'N'");
        byte[] updateMarker = MessageBytes.tag('U').i32(1).i8('K').i16(0).i8('O').i16(0).bytes();
        rejects(d, updateMarker, "UPDATE", 8, "expected new tuple marker 'N'");
        byte[] deleteMarker = MessageBytes.tag('D').i32(1).i8('N').i16(0).bytes();
        rejects(d, deleteMarker, "DELETE", 5, "expected old tuple marker 'K' or 'O'");
        byte[] identity = MessageBytes.tag('R').i32(1).str("s").str("t").i8('z').i16(0).bytes();
        rejects(d, identity, "RELATION", 9, "invalid replica identity 0x7a");
        byte[] firstSegment = MessageBytes.tag('S').i32(1).i8(2).bytes();
        rejects(new PgOutputDecoder(2), firstSegment, "STREAM_START", 5, "first-segment flag");
    }

    @Test
    void streamBlockStateErrorsLeaveTheStateUnchanged() {
        PgOutputDecoder d = decoder(2, true);
        rejects(d, STREAM_START, "STREAM_START", 0, "inside a Stream Start/Stop block");
        byte[] begin = MessageBytes.tag('B').i64(1).i64(2).i32(3).bytes();
        rejects(d, begin, "BEGIN", 0, "inside a Stream Start/Stop block");
        // A truncated data message inside the block does not end the block either.
        rejects(d, new byte[] {'I', 0, 0}, "INSERT", 1, "truncated: streamed xid");
        assertThat(d.inStream()).isTrue();
        d.decode(ByteBuffer.wrap(new byte[] {'E'}));
        assertThat(d.inStream()).isFalse();
        rejects(d, new byte[] {'E'}, "STREAM_STOP", 0, "Stream Stop without Stream Start");
    }

    @Test
    void streamAbortLengthsPerVersion() {
        byte[] withInfo = MessageBytes.tag('A').i32(1).i32(2).i64(3).i64(4).bytes();
        rejects(new PgOutputDecoder(3), withInfo, "STREAM_ABORT", 9, "16 trailing bytes");
        byte[] halfInfo = MessageBytes.tag('A').i32(1).i32(2).i64(3).bytes();
        rejects(new PgOutputDecoder(4), halfInfo, "STREAM_ABORT", 9, "8 trailing bytes");
        StreamAbort abort = (StreamAbort) new PgOutputDecoder(4).decode(ByteBuffer.wrap(withInfo));
        assertThat(abort.abortLsn()).isEqualTo(3);
        assertThat(abort.abortTimeMicros()).isEqualTo(4 + 946_684_800_000_000L);
    }
}
