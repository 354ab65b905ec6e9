package io.pgwal.decoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The text format of captured pgoutput messages ({@code src/test/resources/pgoutput/*.capture}):
 * {@code #} comment lines (one of them {@code # protocol=N}), then one message per line as
 * lower-case hex. Text, so that fixtures diff and review like code.
 */
record CaptureFile(int protocolVersion, List<byte[]> messages) {

    private static final String PROTOCOL_KEY = "# protocol=";

    CaptureFile {
        messages = List.copyOf(messages);
    }

    /** Reads a capture from the test class path, e.g. {@code pgoutput/protocol1.capture}. */
    static CaptureFile load(String resource) {
        try (InputStream in = CaptureFile.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CaptureFile read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CaptureFile parse(String text) {
        int protocol = 0;
        List<byte[]> messages = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.startsWith(PROTOCOL_KEY)) {
                protocol = Integer.parseInt(line.substring(PROTOCOL_KEY.length()).strip());
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                messages.add(HexFormat.of().parseHex(line));
            }
        }
        if (protocol == 0) {
            throw new IllegalArgumentException("capture without a '" + PROTOCOL_KEY + "' line");
        }
        return new CaptureFile(protocol, messages);
    }

    /** Decodes every message in order with one decoder of the capture's protocol version. */
    List<PgOutputMessage> decodeAll() {
        PgOutputDecoder decoder = new PgOutputDecoder(protocolVersion);
        List<PgOutputMessage> decoded = new ArrayList<>(messages.size());
        for (byte[] message : messages) {
            decoded.add(decoder.decode(ByteBuffer.wrap(message)));
        }
        return decoded;
    }

    /** Writes the capture with the given header comment lines (without their '#'). */
    void write(Path file, List<String> header) {
        StringBuilder sb = new StringBuilder();
        for (String line : header) {
            sb.append("# ").append(line).append('\n');
        }
        sb.append(PROTOCOL_KEY).append(protocolVersion).append('\n');
        for (byte[] message : messages) {
            sb.append(HexFormat.of().formatHex(message)).append('\n');
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
