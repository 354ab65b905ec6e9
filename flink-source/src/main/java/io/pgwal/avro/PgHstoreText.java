package io.pgwal.avro;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.util.Utf8;

/**
 * Parses the {@code hstore} extension's text output ({@code "k"=>"v", "k2"=>NULL}) into a map of
 * {@link Utf8} keys to {@link Utf8} values or null, in the order PostgreSQL prints them. Keys and
 * values are quoted, with {@code "} and backslash escaped by a backslash; an unquoted {@code NULL}
 * value is null. Malformed text is an {@link IllegalArgumentException}.
 */
final class PgHstoreText {

    private PgHstoreText() {}

    static Map<Utf8, Utf8> parse(byte[] b, int off, int len) {
        Map<Utf8, Utf8> map = new LinkedHashMap<>();
        int end = off + len;
        int[] pos = {skipSpaces(b, off, end)};
        while (pos[0] < end) {
            Utf8 key = quoted(b, pos, end);
            int p = skipSpaces(b, pos[0], end);
            if (p + 1 >= end || b[p] != '=' || b[p + 1] != '>') {
                throw new IllegalArgumentException("expected => in hstore");
            }
            p = skipSpaces(b, p + 2, end);
            Utf8 value;
            if (p + 4 <= end && b[p] == 'N' && b[p + 1] == 'U' && b[p + 2] == 'L'
                    && b[p + 3] == 'L') {
                value = null;
                pos[0] = p + 4;
            } else {
                pos[0] = p;
                value = quoted(b, pos, end);
            }
            map.put(key, value);
            p = skipSpaces(b, pos[0], end);
            if (p < end) {
                if (b[p] != ',') {
                    throw new IllegalArgumentException("expected , in hstore");
                }
                p = skipSpaces(b, p + 1, end);
            }
            pos[0] = p;
        }
        return map;
    }

    /** The quoted string at {@code pos[0]}, unescaped; moves {@code pos[0]} past it. */
    private static Utf8 quoted(byte[] b, int[] pos, int end) {
        int p = pos[0];
        if (p >= end || b[p] != '"') {
            throw new IllegalArgumentException("expected \" in hstore");
        }
        byte[] out = new byte[end - p];
        int n = 0;
        for (p++; ; p++) {
            if (p >= end) {
                throw new IllegalArgumentException("unterminated quotes in hstore");
            }
            if (b[p] == '"') {
                break;
            }
            out[n++] = b[p] == '\\' ? b[++p] : b[p];
        }
        pos[0] = p + 1;
        return new Utf8(java.util.Arrays.copyOf(out, n));
    }

    private static int skipSpaces(byte[] b, int p, int end) {
        while (p < end && b[p] == ' ') {
            p++;
        }
        return p;
    }
}
