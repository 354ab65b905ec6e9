package io.pgwal.avro;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.util.Utf8;

/**
 * Parsers for the non date/time values of PostgreSQL's text output format, reading straight from
 * the message bytes. Invalid input throws {@link IllegalArgumentException} (or {@link
 * ArithmeticException} on overflow); {@link PgTypeMapping} turns those into a user-facing error.
 */
final class PgTextValues {

    private PgTextValues() {}

    static Boolean parseBool(byte[] b, int off, int len) {
        // boolout() prints exactly "t" or "f".
        if (len == 1 && b[off] == 't') {
            return Boolean.TRUE;
        }
        if (len == 1 && b[off] == 'f') {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("not a boolean");
    }

    /** A decimal integer with optional sign, without creating a String; overflow is an error. */
    static long parseLong(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        boolean negative = i < end && b[i] == '-';
        if (i < end && (b[i] == '-' || b[i] == '+')) {
            i++;
        }
        if (i == end) {
            throw new IllegalArgumentException("not an integer");
        }
        // Accumulate negatively so that Long.MIN_VALUE parses without overflow.
        long r = 0;
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new IllegalArgumentException("not an integer");
            }
            r = Math.subtractExact(Math.multiplyExact(r, 10), d);
        }
        return negative ? r : Math.negateExact(r);
    }

    static int parseInt(byte[] b, int off, int len) {
        return Math.toIntExact(parseLong(b, off, len));
    }

    static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    /** True for numeric's special values NaN, Infinity and -Infinity. */
    static boolean isSpecialNumeric(byte[] b, int off, int len) {
        return len > 0 && (b[off] == 'N' || b[off] == 'I' || (len > 1 && b[off + 1] == 'I'));
    }

    /** A numeric's exact decimal text (digits, sign, point; numeric_out never uses exponents). */
    static BigDecimal parseDecimal(byte[] b, int off, int len) {
        char[] chars = new char[len];
        for (int i = 0; i < len; i++) {
            chars[i] = (char) (b[off + i] & 0xff);
        }
        return new BigDecimal(chars);
    }

    /**
     * The unscaled value of a numeric's text at {@code scale}, as Avro's decimal bytes (big-endian
     * two's complement, minimal length: what {@code BigInteger.toByteArray()} gives), when it fits
     * a long and has at most {@code scale} decimals; otherwise null, and the caller takes the exact
     * {@link BigDecimal} path (which also rejects decimals beyond the scale). The common case of a
     * snapshot or change of a {@code numeric(p,s)} column, without a BigDecimal per value.
     */
    static byte[] smallDecimalBytes(byte[] b, int off, int len, int scale) {
        int i = off;
        int end = off + len;
        boolean negative = i < end && b[i] == '-';
        if (negative) {
            i++;
        }
        long unscaled = 0;
        int digits = 0;
        int decimals = -1;
        for (; i < end; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                if (++digits > 18) {
                    return null;
                }
                unscaled = unscaled * 10 + (c - '0');
                if (decimals >= 0) {
                    decimals++;
                }
            } else if (c == '.' && decimals < 0) {
                decimals = 0;
            } else {
                return null;
            }
        }
        if (digits == 0) {
            return null;
        }
        int missing = scale - Math.max(decimals, 0);
        if (missing < 0 || digits + missing > 18) {
            return null;
        }
        for (int k = 0; k < missing; k++) {
            unscaled *= 10;
        }
        if (negative) {
            unscaled = -unscaled;
        }
        int bytes = (64 - Long.numberOfLeadingZeros(unscaled < 0 ? ~unscaled : unscaled)) / 8 + 1;
        byte[] out = new byte[bytes];
        for (int k = bytes - 1; k >= 0; k--) {
            out[k] = (byte) unscaled;
            unscaled >>= 8;
        }
        return out;
    }

    /**
     * A money value as PostgreSQL prints it with {@code lc_monetary=C} ({@code $1,234.56},
     * {@code -$0.01}: sign, dollar sign, thousands commas, exactly two decimals), as the exact
     * decimal of scale 2. Any other text (another lc_monetary) is an {@link
     * IllegalArgumentException}, never a guess.
     */
    static BigDecimal parseMoney(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        boolean negative = i < end && b[i] == '-';
        if (negative) {
            i++;
        }
        // After the sign and "$", at least "0.00".
        if (i >= end || b[i++] != '$' || end - i < 4 || b[end - 3] != '.') {
            throw new IllegalArgumentException("not money in the C locale's format ($1,234.56)");
        }
        char[] digits = new char[len + 1];
        int n = 0;
        if (negative) {
            digits[n++] = '-';
        }
        for (; i < end; i++) {
            byte c = b[i];
            if ((c >= '0' && c <= '9') || (c == '.' && i == end - 3)) {
                digits[n++] = (char) c;
            } else if (c != ',') {
                throw new IllegalArgumentException("not money in the C locale's format");
            }
        }
        return new BigDecimal(digits, 0, n);
    }

    /** The text as an Avro string, copying the UTF-8 bytes without decoding them. */
    static Utf8 utf8(byte[] b, int off, int len) {
        return new Utf8(Arrays.copyOfRange(b, off, off + len));
    }

    /** A bytea in hex ({@code \x0a1b}) or escape ({@code a\\b\012}) output format. */
    static ByteBuffer parseBytea(byte[] b, int off, int len) {
        if (len >= 2 && b[off] == '\\' && b[off + 1] == 'x') {
            int digits = len - 2;
            if (digits % 2 != 0) {
                throw new IllegalArgumentException("odd number of hex digits in bytea");
            }
            byte[] out = new byte[digits / 2];
            for (int i = 0; i < out.length; i++) {
                int p = off + 2 + 2 * i;
                out[i] = (byte) ((hexDigit(b[p]) << 4) | hexDigit(b[p + 1]));
            }
            return ByteBuffer.wrap(out);
        }
        byte[] out = new byte[len];
        int n = 0;
        int end = off + len;
        for (int i = off; i < end; ) {
            if (b[i] != '\\') {
                out[n++] = b[i++];
            } else if (i + 1 < end && b[i + 1] == '\\') {
                out[n++] = '\\';
                i += 2;
            } else if (i + 3 < end
                    && isOctal(b[i + 1]) && isOctal(b[i + 2]) && isOctal(b[i + 3])) {
                out[n++] = (byte) (((b[i + 1] - '0') << 6)
                        | ((b[i + 2] - '0') << 3)
                        | (b[i + 3] - '0'));
                i += 4;
            } else {
                throw new IllegalArgumentException("invalid escape in bytea escape format");
            }
        }
        return ByteBuffer.wrap(Arrays.copyOf(out, n));
    }

    private static boolean isOctal(byte c) {
        return c >= '0' && c <= '7';
    }

    private static int hexDigit(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw new IllegalArgumentException("invalid hex digit in bytea");
    }
}
