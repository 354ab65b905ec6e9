package io.pgwal.decoder;

/** The pgoutput message tags (the first byte of every message), protocol versions 1 to 4. */
public enum MessageType {
    BEGIN('B', 1),
    COMMIT('C', 1),
    ORIGIN('O', 1),
    RELATION('R', 1),
    TYPE('Y', 1),
    INSERT('I', 1),
    UPDATE('U', 1),
    DELETE('D', 1),
    TRUNCATE('T', 1),
    MESSAGE('M', 1),
    STREAM_START('S', 2),
    STREAM_STOP('E', 2),
    STREAM_COMMIT('c', 2),
    STREAM_ABORT('A', 2),
    BEGIN_PREPARE('b', 3),
    PREPARE('P', 3),
    COMMIT_PREPARED('K', 3),
    ROLLBACK_PREPARED('r', 3),
    STREAM_PREPARE('p', 3);

    private static final MessageType[] BY_TAG = new MessageType[128];

    static {
        for (MessageType t : values()) {
            BY_TAG[t.tag] = t;
        }
    }

    private final char tag;
    private final int sinceProtocolVersion;

    MessageType(char tag, int sinceProtocolVersion) {
        this.tag = tag;
        this.sinceProtocolVersion = sinceProtocolVersion;
    }

    /** The tag byte as a character. */
    public char tag() {
        return tag;
    }

    /** The first protocol version that has this message. */
    public int sinceProtocolVersion() {
        return sinceProtocolVersion;
    }

    /** The message type of a tag byte, or null when the byte is no known tag. */
    public static MessageType ofTag(byte tag) {
        return tag >= 0 ? BY_TAG[tag] : null;
    }
}
