package io.pgwal.avro;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;

/**
 * PostgreSQL's {@code interval} as the lossless record {@code pgwal.Interval {months:int,
 * days:int, micros:long}}: the three fields PostgreSQL itself stores (a month is not a fixed
 * number of days, nor a day of microseconds across DST changes), parsed from the ISO 8601 output
 * that {@code IntervalStyle=iso_8601} (set on every pgwal connection) gives: {@code
 * P1Y2M3DT4H5M6.5S}, {@code P-1D}, {@code PT-1.5S}, {@code PT0S}; years count as 12 months, and
 * hours, minutes and seconds (each with its own sign) sum up to {@code micros}. PostgreSQL 17's
 * {@code infinity} / {@code -infinity} are stored as all fields at their maximum / minimum, and
 * arrive so ({@code Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE} and the minimums).
 * Other text (another IntervalStyle) is an {@link IllegalArgumentException}.
 */
final class PgIntervalText {

    /** The record schema, one instance (named types are defined once per schema). */
    static final Schema SCHEMA = SchemaBuilder.record("Interval").namespace("pgwal")
            .doc("A PostgreSQL interval, losslessly: months, days and microseconds")
            .fields()
            .requiredInt("months").requiredInt("days").requiredLong("micros")
            .endRecord();

    private PgIntervalText() {}

    static GenericData.Record parse(byte[] b, int off, int len) {
        int end = off + len;
        GenericData.Record r = new GenericData.Record(SCHEMA);
        if (len >= 8 && (b[off] == 'i' || (b[off] == '-' && b[off + 1] == 'i'))) {
            boolean negative = b[off] == '-';
            String s = PgTextValues.ascii(b, off, len);
            if (!s.equals(negative ? "-infinity" : "infinity")) {
                throw new IllegalArgumentException("not an ISO 8601 interval");
            }
            r.put(0, negative ? Integer.MIN_VALUE : Integer.MAX_VALUE);
            r.put(1, negative ? Integer.MIN_VALUE : Integer.MAX_VALUE);
            r.put(2, negative ? Long.MIN_VALUE : Long.MAX_VALUE);
            return r;
        }
        if (len < 3 || b[off] != 'P') {
            throw new IllegalArgumentException("not an ISO 8601 interval (IntervalStyle)");
        }
        long months = 0;
        long days = 0;
        long micros = 0;
        boolean time = false;
        int i = off + 1;
        while (i < end) {
            if (b[i] == 'T') {
                time = true;
                i++;
                continue;
            }
            int start = i;
            boolean negative = b[i] == '-';
            if (negative) {
                i++;
            }
            long whole = 0;
            int digits = 0;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                whole = Math.addExact(Math.multiplyExact(whole, 10), b[i++] - '0');
                digits++;
            }
            long fraction = 0;
            if (i < end && b[i] == '.') {
                int scale = 100_000;
                for (i++; i < end && b[i] >= '0' && b[i] <= '9'; i++) {
                    if (scale == 0) {
                        throw new IllegalArgumentException("more than 6 fractional digits");
                    }
                    fraction += (b[i] - '0') * (long) scale;
                    scale /= 10;
                }
            }
            if (digits == 0 || i >= end) {
                throw new IllegalArgumentException("not an ISO 8601 interval at "
                        + PgTextValues.ascii(b, start, end - start));
            }
            byte unit = b[i++];
            if (fraction != 0 && !(time && unit == 'S')) {
                throw new IllegalArgumentException("a fraction outside the seconds");
            }
            long sign = negative ? -1 : 1;
            switch (time ? Character.toLowerCase(unit) : unit) {
                case 'Y' -> months = Math.addExact(months, Math.multiplyExact(sign * whole, 12));
                case 'M' -> months = Math.addExact(months, sign * whole);
                case 'D' -> days = Math.addExact(days, sign * whole);
                case 'h' -> micros = Math.addExact(micros,
                        Math.multiplyExact(sign * whole, 3_600_000_000L));
                case 'm' -> micros = Math.addExact(micros,
                        Math.multiplyExact(sign * whole, 60_000_000L));
                case 's' -> micros = Math.addExact(micros,
                        sign * Math.addExact(Math.multiplyExact(whole, 1_000_000L), fraction));
                default -> throw new IllegalArgumentException("unknown interval unit "
                        + (char) unit);
            }
        }
        r.put(0, Math.toIntExact(months));
        r.put(1, Math.toIntExact(days));
        r.put(2, micros);
        return r;
    }
}
