package io.pgwal.avro;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgTypes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.avro.util.Utf8;

/**
 * Converters from PostgreSQL's binary format (each type's {@code send} function, as {@code COPY
 * ... (FORMAT binary)} writes a value) into exactly the Avro value the text converter of the same
 * column gives ({@link PgTypeMapping}), for the scalar types where the binary form is cheaper for
 * the server to write and for pgwal to read: the snapshot reads a table in binary when every
 * column is of one of them, and in text otherwise.
 *
 * <p>The binary forms (PostgreSQL's {@code *send} functions, big-endian): bool one byte; int2,
 * int4, int8, oid as integers; float4 and float8 as IEEE 754 bits; text, varchar, bpchar, name and
 * json as their text in the client encoding (UTF-8 for pgwal); jsonb as a version byte (1) and its
 * text; uuid as 16 bytes; bytea as its bytes; date as days since 2000-01-01 and timestamp,
 * timestamptz as microseconds since 2000-01-01 00:00 (UTC for timestamptz), with the largest and
 * smallest value for 'infinity' and '-infinity'; time as microseconds since midnight; numeric as
 * base-10000 digits with weight, sign and display scale, turned here into numeric_out's text and
 * then converted by the column's text converter (so its scale checks, NaN and ±Infinity are
 * handled once).
 */
final class PgBinaryValues {

    /** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (both UTC). */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    /** Days from 1970-01-01 to 2000-01-01. */
    static final int PG_EPOCH_DAYS = 10_957;

    private static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private PgBinaryValues() {}

    /**
     * The binary converter of a column of the scalar type {@code oid} (a domain's base type), or
     * null when pgwal reads that type in text only. {@code text} is the column's text converter
     * (numeric values go through it); {@code column} and {@code typeName} name the column in
     * errors.
     */
    @Nullable
    static ValueConverter of(int oid, ValueConverter text, String column, String typeName) {
        ValueConverter c = switch (oid) {
            case PgTypes.BOOL -> (b, o, l) -> {
                length(l, 1);
                return b[o] != 0;
            };
            case PgTypes.INT2 -> (b, o, l) -> {
                length(l, 2);
                return (int) (short) SHORT.get(b, o);
            };
            case PgTypes.INT4 -> (b, o, l) -> {
                length(l, 4);
                return (int) INT.get(b, o);
            };
            case PgTypes.INT8 -> (b, o, l) -> {
                length(l, 8);
                return (long) LONG.get(b, o);
            };
            case PgTypes.OID -> (b, o, l) -> {
                length(l, 4);
                return Integer.toUnsignedLong((int) INT.get(b, o));
            };
            case PgTypes.FLOAT4 -> (b, o, l) -> {
                length(l, 4);
                // Every NaN as Java's one NaN, as the text "NaN" parses (the bits are kept by
                // Avro's encoding, so another NaN would give other bytes).
                float f = Float.intBitsToFloat((int) INT.get(b, o));
                return Float.isNaN(f) ? Float.NaN : f;
            };
            case PgTypes.FLOAT8 -> (b, o, l) -> {
                length(l, 8);
                double d = Double.longBitsToDouble((long) LONG.get(b, o));
                return Double.isNaN(d) ? Double.NaN : d;
            };
            case PgTypes.TEXT, PgTypes.VARCHAR, PgTypes.BPCHAR, PgTypes.NAME, PgTypes.JSON ->
                    PgTextValues::utf8;
            case PgTypes.JSONB -> (b, o, l) -> {
                if (l < 1 || b[o] != 1) {
                    throw new PgWalException("a jsonb value in binary format of version "
                            + (l < 1 ? "(none)" : Integer.toString(b[o])) + "; pgwal reads"
                            + " version 1");
                }
                return PgTextValues.utf8(b, o + 1, l - 1);
            };
            case PgTypes.UUID -> (b, o, l) -> {
                length(l, 16);
                return new Utf8(uuidText(b, o));
            };
            case PgTypes.BYTEA -> (b, o, l) -> ByteBuffer.wrap(Arrays.copyOfRange(b, o, o + l));
            case PgTypes.DATE -> (b, o, l) -> {
                length(l, 4);
                int days = (int) INT.get(b, o);
                // 'infinity' and '-infinity' are the int's extremes, as in the text mapping.
                return days == Integer.MAX_VALUE || days == Integer.MIN_VALUE ? days
                        : days + PG_EPOCH_DAYS;
            };
            case PgTypes.TIME -> (b, o, l) -> {
                length(l, 8);
                return (long) LONG.get(b, o);
            };
            case PgTypes.TIMESTAMP, PgTypes.TIMESTAMPTZ -> (b, o, l) -> {
                length(l, 8);
                long micros = (long) LONG.get(b, o);
                if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
                    return micros;
                }
                try {
                    return Math.addExact(micros, PG_EPOCH_MICROS);
                } catch (ArithmeticException e) {
                    // PostgreSQL goes up to 294276 AD; Unix-epoch micros in a long end in 294247 AD.
                    String v = micros + " microseconds after 2000-01-01";
                    throw new UnrepresentableValueException("column \"" + column + "\" of type "
                            + typeName + ": the value " + v + " is out of the range of the"
                            + " column's Avro type (beyond the range of Avro's epoch microseconds"
                            + " in a 64-bit long, about 290,308 BC to 294,247 AD)", v);
                }
            };
            case PgTypes.NUMERIC -> {
                // The text converter names the column in its own errors.
                ValueConverter toText = guarded((b, o, l) -> numericText(b, o, l), column,
                        typeName);
                yield (b, o, l) -> {
                    byte[] t = (byte[]) toText.convert(b, o, l);
                    return text.convert(t, 0, t.length);
                };
            }
            default -> null;
        };
        return c == null || oid == PgTypes.NUMERIC ? c : guarded(c, column, typeName);
    }

    private static void length(int actual, int expected) {
        if (actual != expected) {
            throw new PgWalException("a value of " + actual + " bytes in binary format where its"
                    + " type sends " + expected);
        }
    }

    /** Names the column in a failure that is not already a pgwal error. */
    private static ValueConverter guarded(ValueConverter c, String column, String typeName) {
        return (b, o, l) -> {
            try {
                return c.convert(b, o, l);
            } catch (UnrepresentableValueException e) {
                throw e;
            } catch (PgWalException | IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new PgWalException("Column \"" + column + "\" of type " + typeName
                        + ": cannot convert a value in binary format (" + l + " bytes: "
                        + e.getMessage() + ")", e);
            }
        };
    }

    private static final byte[] HEX =
            "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** uuid_out's form: 8-4-4-4-12 lower-case hex digits. */
    private static byte[] uuidText(byte[] b, int o) {
        byte[] out = new byte[36];
        int w = 0;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                out[w++] = '-';
            }
            out[w++] = HEX[(b[o + i] >> 4) & 0xF];
            out[w++] = HEX[b[o + i] & 0xF];
        }
        return out;
    }

    private static final int NUMERIC_POS = 0x0000;
    private static final int NUMERIC_NEG = 0x4000;
    private static final int NUMERIC_NAN = 0xC000;
    private static final int NUMERIC_PINF = 0xD000;
    private static final int NUMERIC_NINF = 0xF000;

    /**
     * numeric_send's form (int16 ndigits, int16 weight, int16 sign, int16 dscale, then ndigits
     * base-10000 digits, the first of weight {@code weight}) as numeric_out prints it: an optional
     * minus, the integer part without leading zeros ("0" when none), and, when the display scale
     * is positive, a point and exactly dscale digits; "NaN", "Infinity", "-Infinity".
     */
    static byte[] numericText(byte[] b, int o, int l) {
        if (l < 8) {
            throw new PgWalException("a numeric value of " + l + " bytes in binary format");
        }
        int ndigits = (short) SHORT.get(b, o);
        int weight = (short) SHORT.get(b, o + 2);
        int sign = (short) SHORT.get(b, o + 4) & 0xFFFF;
        int dscale = (short) SHORT.get(b, o + 6) & 0xFFFF;
        if (ndigits < 0 || l != 8 + 2 * ndigits) {
            throw new PgWalException("a numeric value of " + l + " bytes in binary format with "
                    + ndigits + " digits");
        }
        switch (sign) {
            case NUMERIC_NAN -> {
                return ascii("NaN");
            }
            case NUMERIC_PINF -> {
                return ascii("Infinity");
            }
            case NUMERIC_NINF -> {
                return ascii("-Infinity");
            }
            case NUMERIC_POS, NUMERIC_NEG -> { }
            default -> throw new PgWalException("a numeric value in binary format with sign 0x"
                    + Integer.toHexString(sign));
        }
        // At most 4 digits per base-10000 digit of the integer part, then the scale.
        int intGroups = Math.max(weight + 1, 1);
        byte[] out = new byte[2 + 4 * intGroups + dscale];
        int w = 0;
        if (sign == NUMERIC_NEG) {
            out[w++] = '-';
        }
        if (weight < 0) {
            out[w++] = '0';
        } else {
            for (int g = 0; g <= weight; g++) {
                int digit = g < ndigits ? digit(b, o, g) : 0;
                if (g == 0) {
                    // The first group without leading zeros.
                    if (digit >= 1000) {
                        out[w++] = (byte) ('0' + digit / 1000);
                    }
                    if (digit >= 100) {
                        out[w++] = (byte) ('0' + digit / 100 % 10);
                    }
                    if (digit >= 10) {
                        out[w++] = (byte) ('0' + digit / 10 % 10);
                    }
                    out[w++] = (byte) ('0' + digit % 10);
                } else {
                    w = fourDigits(out, w, digit);
                }
            }
        }
        if (dscale > 0) {
            out[w++] = '.';
            int written = 0;
            // The fraction's groups: group index weight + 1 + k holds the (k + 1)-th four digits.
            for (int k = 0; written < dscale; k++) {
                int g = weight + 1 + k;
                int digit = g >= 0 && g < ndigits ? digit(b, o, g) : 0;
                int[] four = {digit / 1000, digit / 100 % 10, digit / 10 % 10, digit % 10};
                for (int d = 0; d < 4 && written < dscale; d++, written++) {
                    out[w++] = (byte) ('0' + four[d]);
                }
            }
        }
        return Arrays.copyOf(out, w);
    }

    private static int digit(byte[] b, int o, int g) {
        int d = (short) SHORT.get(b, o + 8 + 2 * g);
        if (d < 0 || d > 9999) {
            throw new PgWalException("a numeric value in binary format with digit " + d);
        }
        return d;
    }

    private static int fourDigits(byte[] out, int w, int digit) {
        out[w++] = (byte) ('0' + digit / 1000);
        out[w++] = (byte) ('0' + digit / 100 % 10);
        out[w++] = (byte) ('0' + digit / 10 % 10);
        out[w++] = (byte) ('0' + digit % 10);
        return w;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
