package io.pgwal.decoder;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds pgoutput messages byte by byte (big-endian), for cases no capture can produce. */
final class MessageBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private MessageBytes() {}

    /** A message starting with the given tag byte. */
    static MessageBytes tag(int tag) {
        return new MessageBytes().i8(tag);
    }

    MessageBytes i8(int v) {
        out.write(v);
        return this;
    }

    MessageBytes i16(int v) {
        return i8(v >>> 8).i8(v);
    }

    MessageBytes i32(int v) {
        return i16(v >>> 16).i16(v);
    }

    MessageBytes i64(long v) {
        return i32((int) (v >>> 32)).i32((int) v);
    }

    /** A NUL-terminated UTF-8 string. */
    MessageBytes str(String s) {
        return raw(s.getBytes(StandardCharsets.UTF_8)).i8(0);
    }

    MessageBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** A 't' column value: kind, int32 length, bytes. */
    MessageBytes text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return i8('t').i32(b.length).raw(b);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes());
    }
}
