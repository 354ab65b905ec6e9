package io.pgwal.decoder;

/**
 * Thrown when bytes are not a valid pgoutput message: truncated, an unknown tag, a message that
 * the negotiated protocol version does not have, or a field with an impossible value. The message
 * names the message type and the byte offset where decoding failed.
 */
public final class PgOutputProtocolException extends RuntimeException {

    private final char tag;
    private final int offset;

    public PgOutputProtocolException(char tag, int offset, String detail) {
        super("Malformed pgoutput message " + describe(tag) + " at byte offset " + offset + ": "
                + detail);
        this.tag = tag;
        this.offset = offset;
    }

    /** The tag as 'X' (TYPE), or in hex when it is no printable character (e.g. no tag at all). */
    private static String describe(char tag) {
        MessageType type = tag < 128 ? MessageType.ofTag((byte) tag) : null;
        if (type != null) {
            return "'" + tag + "' (" + type + ")";
        }
        return tag >= 0x21 && tag < 0x7F
                ? "'" + tag + "' (unknown)"
                : "0x" + Integer.toHexString(tag) + " (unknown)";
    }

    /** The tag byte of the message being decoded (0 when the message was empty). */
    public char tag() {
        return tag;
    }

    /** The offset within the message where decoding failed. */
    public int offset() {
        return offset;
    }
}
