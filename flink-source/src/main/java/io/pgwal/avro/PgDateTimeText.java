package io.pgwal.avro;

import java.time.LocalDate;

/**
 * Parsers for PostgreSQL's date/time text output with {@code DateStyle=ISO}, reading straight
 * from the message bytes into Avro's epoch-based numbers. No time zone is ever consulted: {@code
 * timestamp} is taken as wall-clock time (local-timestamp-micros) and {@code timestamptz} text
 * carries its own UTC offset, which is applied.
 *
 * <p>PostgreSQL uses the proleptic Gregorian calendar, like {@link LocalDate}; "Y BC" is ISO year
 * {@code 1 - Y}. The special values 'infinity' and '-infinity' become the maximum and minimum of
 * the Avro type (documented sentinels, see {@link PgTypeMapping}).
 */
final class PgDateTimeText {

    static final long MICROS_PER_SECOND = 1_000_000L;
    static final long MICROS_PER_DAY = 86_400L * MICROS_PER_SECOND;

    private PgDateTimeText() {}

    /** {@code date} → days since 1970-01-01. */
    static int parseDate(byte[] b, int off, int len) {
        int special = infinity(b, off, len);
        if (special != 0) {
            return special > 0 ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        }
        Cursor c = new Cursor(b, off, len);
        c.date();
        c.era();
        c.end();
        return Math.toIntExact(c.epochDay());
    }

    /** {@code time} → microseconds since midnight; 24:00:00 is 86,400,000,000. */
    static long parseTime(byte[] b, int off, int len) {
        Cursor c = new Cursor(b, off, len);
        long micros = c.time();
        c.end();
        return micros;
    }

    /** {@code timestamp} → microseconds since 1970-01-01 00:00 of the same wall-clock. */
    static long parseTimestamp(byte[] b, int off, int len) {
        return timestamp(b, off, len, false);
    }

    /** {@code timestamptz} → microseconds since the Unix epoch, using the offset in the text. */
    static long parseTimestampTz(byte[] b, int off, int len) {
        return timestamp(b, off, len, true);
    }

    private static long timestamp(byte[] b, int off, int len, boolean withOffset) {
        int special = infinity(b, off, len);
        if (special != 0) {
            return special > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        Cursor c = new Cursor(b, off, len);
        c.date();
        c.expect(' ');
        long micros = c.time();
        long offsetSeconds = withOffset ? c.offsetSeconds() : 0;
        c.era();
        c.end();
        long day = c.epochDay();
        try {
            long total = Math.addExact(Math.multiplyExact(day, MICROS_PER_DAY), micros);
            return Math.subtractExact(total, offsetSeconds * MICROS_PER_SECOND);
        } catch (ArithmeticException e) {
            // PostgreSQL goes up to 294276 AD; Unix-epoch micros in a long end in 294247 AD.
            throw new ArithmeticException("beyond the range of Avro's epoch microseconds in a "
                    + "64-bit long (about 290,308 BC to 294,247 AD)");
        }
    }

    /** 1 for "infinity", -1 for "-infinity", else 0. */
    private static int infinity(byte[] b, int off, int len) {
        if (len == 8 && b[off] == 'i' && PgTextValues.ascii(b, off, len).equals("infinity")) {
            return 1;
        }
        if (len == 9 && b[off] == '-' && PgTextValues.ascii(b, off, len).equals("-infinity")) {
            return -1;
        }
        return 0;
    }

    /** A position in the text being parsed. */
    private static final class Cursor {
        private final byte[] b;
        private final int end;
        private int pos;
        private int year;
        private int month;
        private int dayOfMonth;

        Cursor(byte[] b, int off, int len) {
            this.b = b;
            this.pos = off;
            this.end = off + len;
        }

        /** Y..Y-MM-DD as written (the era follows later in the text). */
        void date() {
            year = digits(4, 9);
            expect('-');
            month = digits(2, 2);
            expect('-');
            dayOfMonth = digits(2, 2);
        }

        /** The epoch day of the date read, after {@link #era()}; validates the date. */
        long epochDay() {
            return LocalDate.of(year, month, dayOfMonth).toEpochDay();
        }

        /** Consumes an optional " BC" and turns the year into ISO (astronomical) numbering. */
        void era() {
            if (pos + 3 == end && b[pos] == ' ' && b[pos + 1] == 'B' && b[pos + 2] == 'C') {
                pos += 3;
                // 1 BC is ISO year 0, 44 BC is year -43.
                year = 1 - year;
            }
        }

        /** HH:MM:SS[.ffffff] → micros of the day. */
        long time() {
            int h = digits(2, 2);
            expect(':');
            int m = digits(2, 2);
            expect(':');
            int s = digits(2, 2);
            long fraction = 0;
            if (pos < end && b[pos] == '.') {
                pos++;
                int start = pos;
                fraction = digits(1, 6);
                for (int i = pos - start; i < 6; i++) {
                    fraction *= 10;
                }
            }
            if (m > 59 || s > 59 || h > 24 || (h == 24 && (m != 0 || s != 0 || fraction != 0))) {
                throw new IllegalArgumentException("time of day out of range");
            }
            return ((h * 60L + m) * 60L + s) * MICROS_PER_SECOND + fraction;
        }

        /** ±HH[:MM[:SS]] → offset east of UTC in seconds. */
        long offsetSeconds() {
            if (pos >= end || (b[pos] != '+' && b[pos] != '-')) {
                throw new IllegalArgumentException("no UTC offset");
            }
            int sign = b[pos++] == '-' ? -1 : 1;
            long seconds = digits(2, 2) * 3600L;
            if (pos < end && b[pos] == ':') {
                pos++;
                seconds += digits(2, 2) * 60L;
                if (pos < end && b[pos] == ':') {
                    pos++;
                    seconds += digits(2, 2);
                }
            }
            return sign * seconds;
        }

        void expect(char ch) {
            if (pos >= end || b[pos] != ch) {
                throw new IllegalArgumentException("expected '" + ch + "'");
            }
            pos++;
        }

        void end() {
            if (pos != end) {
                throw new IllegalArgumentException("unexpected trailing text");
            }
        }

        private int digits(int min, int max) {
            int start = pos;
            int v = 0;
            while (pos < end && pos - start < max && b[pos] >= '0' && b[pos] <= '9') {
                v = v * 10 + (b[pos++] - '0');
            }
            if (pos - start < min) {
                throw new IllegalArgumentException("expected " + min + " digits");
            }
            return v;
        }
    }
}
