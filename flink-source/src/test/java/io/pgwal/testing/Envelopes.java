package io.pgwal.testing;

import io.pgwal.avro.Envelope;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** Reading change envelopes in tests: fields by path, and Avro values as plain Java values. */
public final class Envelopes {

    private Envelopes() {}

    public static String op(GenericRecord envelope) {
        return Envelope.op(envelope).name();
    }

    public static GenericRecord source(GenericRecord envelope) {
        return Envelope.source(envelope);
    }

    public static String table(GenericRecord envelope) {
        return String.valueOf(Envelope.table(envelope));
    }

    public static long commitLsn(GenericRecord envelope) {
        return Envelope.commitLsn(envelope);
    }

    public static int txIndex(GenericRecord envelope) {
        return Envelope.txIndex(envelope);
    }

    /** A field of the {@code after} (or, when null, {@code before}) image as a Java value. */
    public static Object value(GenericRecord envelope, String image, String field) {
        GenericRecord row = (GenericRecord) envelope.get(image);
        if (row == null) {
            return null;
        }
        Schema.Field f = row.getSchema().getField(field);
        if (f == null) {
            throw new IllegalArgumentException("no field " + field + " in " + row.getSchema());
        }
        return toJava(f.schema(), row.get(f.pos()));
    }

    /**
     * Avro value → the Java value JDBC would give (BigDecimal, LocalDate, Instant, byte[], ...);
     * records (composites, intervals) as the list of their fields, arrays as lists, maps with
     * String keys.
     */
    public static Object toJava(Schema schema, Object v) {
        if (v == null) {
            return null;
        }
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema b : schema.getTypes()) {
                if (b.getType() != Schema.Type.NULL) {
                    return toJava(b, v);
                }
            }
        }
        LogicalType lt = schema.getLogicalType();
        if (lt instanceof LogicalTypes.Decimal d) {
            ByteBuffer b = (ByteBuffer) v;
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return new BigDecimal(new BigInteger(bytes), d.getScale());
        }
        if (lt instanceof LogicalTypes.Date) {
            return LocalDate.ofEpochDay((Integer) v);
        }
        if (lt instanceof LogicalTypes.TimeMicros) {
            return LocalTime.ofNanoOfDay((Long) v * 1000);
        }
        if (lt instanceof LogicalTypes.TimestampMicros) {
            long micros = (Long) v;
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
        }
        if (lt instanceof LogicalTypes.LocalTimestampMicros) {
            long micros = (Long) v;
            return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
        }
        if (v instanceof org.apache.avro.generic.GenericRecord r) {
            java.util.List<Object> fields = new java.util.ArrayList<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                fields.add(toJava(f.schema(), r.get(f.pos())));
            }
            return fields;
        }
        if (v instanceof java.util.List<?> l) {
            java.util.List<Object> items = new java.util.ArrayList<>();
            l.forEach(item -> items.add(toJava(schema.getElementType(), item)));
            return items;
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k.toString(), toJava(schema.getValueType(), x)));
            return out;
        }
        if (v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return bytes;
        }
        if (v instanceof CharSequence) {
            return v.toString();
        }
        return v;
    }
}
