package io.pgwal.table;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Converts one Avro value of a change envelope's row into Flink's internal representation of the
 * declared column type. The declared type was checked against the PostgreSQL type at validation
 * ({@link PgTypeCompatibility}), so only the pairs the Avro mapping produces occur here; values
 * are accepted both raw (ByteBuffer, epoch numbers) and with Avro conversions applied.
 */
final class AvroValues {

    private AvroValues() {}

    static Object toInternal(Object value, Schema fieldSchema,
            org.apache.flink.table.types.logical.LogicalType type) {
        if (value == null) {
            return null;
        }
        Schema schema = nonNull(fieldSchema);
        return switch (type.getTypeRoot()) {
            case BOOLEAN -> (Boolean) value;
            case SMALLINT -> ((Number) value).shortValue();
            case INTEGER -> ((Number) value).intValue();
            case BIGINT -> ((Number) value).longValue();
            case FLOAT -> ((Number) value).floatValue();
            case DOUBLE -> ((Number) value).doubleValue();
            case DECIMAL -> decimal(value, schema, (DecimalType) type);
            case CHAR, VARCHAR -> string(value, schema);
            case BINARY, VARBINARY -> bytes(value);
            case DATE -> value instanceof LocalDate d
                    ? (int) d.toEpochDay() : ((Number) value).intValue();
            // Flink's TIME is milliseconds of the day: microseconds are truncated.
            case TIME_WITHOUT_TIME_ZONE -> value instanceof LocalTime t
                    ? (int) (t.toNanoOfDay() / 1_000_000L)
                    : (int) Math.floorDiv(((Number) value).longValue(), 1000L);
            case TIMESTAMP_WITHOUT_TIME_ZONE -> value instanceof LocalDateTime t
                    ? TimestampData.fromLocalDateTime(t)
                    : timestampFromMicros(((Number) value).longValue());
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE -> value instanceof Instant i
                    ? TimestampData.fromInstant(i)
                    : timestampFromMicros(((Number) value).longValue());
            case ARRAY -> array((List<?>) value, schema, (ArrayType) type);
            case ROW -> row((GenericRecord) value, schema, (RowType) type);
            case MAP -> map((Map<?, ?>) value, schema, (MapType) type);
            default -> throw new IllegalStateException("Unsupported column type " + type);
        };
    }

    /** An Avro array (one level of a PostgreSQL array) as ArrayData; elements may be null. */
    private static GenericArrayData array(List<?> value, Schema schema, ArrayType type) {
        Schema items = schema.getElementType();
        Object[] out = new Object[value.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toInternal(value.get(i), items, type.getElementType());
        }
        return new GenericArrayData(out);
    }

    /** A composite's or interval's record, by field position (names were validated). */
    private static GenericRowData row(GenericRecord value, Schema schema, RowType type) {
        GenericRowData out = new GenericRowData(type.getFieldCount());
        for (int i = 0; i < type.getFieldCount(); i++) {
            out.setField(i, toInternal(value.get(i), schema.getFields().get(i).schema(),
                    type.getTypeAt(i)));
        }
        return out;
    }

    /** An hstore's map of strings (values may be null). */
    private static GenericMapData map(Map<?, ?> value, Schema schema, MapType type) {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : value.entrySet()) {
            out.put(StringData.fromString(e.getKey().toString()),
                    toInternal(e.getValue(), schema.getValueType(), type.getValueType()));
        }
        return new GenericMapData(out);
    }

    /** Microseconds since the epoch (UTC, or local wall time for TIMESTAMP) as TimestampData. */
    static TimestampData timestampFromMicros(long micros) {
        return TimestampData.fromEpochMillis(Math.floorDiv(micros, 1000L),
                (int) Math.floorMod(micros, 1000L) * 1000);
    }

    private static DecimalData decimal(Object value, Schema schema, DecimalType type) {
        DecimalData compact = compactDecimal(value, schema, type);
        if (compact != null) {
            return compact;
        }
        BigDecimal d = bigDecimal(value, schema).setScale(type.getScale());
        DecimalData data = DecimalData.fromBigDecimal(d, type.getPrecision(), type.getScale());
        if (data == null) {
            throw new IllegalStateException(d + " does not fit " + type);
        }
        return data;
    }

    /** 10^0 .. 10^18. */
    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    /**
     * The common case without a BigInteger and a BigDecimal per value: Avro decimal bytes (two's
     * complement, big-endian) of at most 8 bytes, of the declared scale, into a compact decimal
     * (precision at most 18) that holds it. Null for anything else: the exact path decides (and
     * rejects what does not fit) as before.
     */
    private static DecimalData compactDecimal(Object value, Schema schema, DecimalType type) {
        int precision = type.getPrecision();
        if (!DecimalData.isCompact(precision)
                || !(schema.getLogicalType() instanceof LogicalTypes.Decimal d)
                || d.getScale() != type.getScale()) {
            return null;
        }
        ByteBuffer buffer = value instanceof ByteBuffer b ? b
                : value instanceof byte[] a ? ByteBuffer.wrap(a) : null;
        int n = buffer == null ? 0 : buffer.remaining();
        if (n < 1 || n > 8) {
            return null;
        }
        int at = buffer.position();
        long unscaled = buffer.get(at);
        for (int k = 1; k < n; k++) {
            unscaled = (unscaled << 8) | (buffer.get(at + k) & 0xFF);
        }
        if (unscaled >= POW10[precision] || unscaled <= -POW10[precision]) {
            return null;
        }
        return DecimalData.fromUnscaledLong(unscaled, precision, type.getScale());
    }

    private static BigDecimal bigDecimal(Object value, Schema schema) {
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof CharSequence s) {
            return new BigDecimal(s.toString());
        }
        LogicalType lt = schema.getLogicalType();
        int scale = lt instanceof LogicalTypes.Decimal d ? d.getScale() : 0;
        return new BigDecimal(new BigInteger(bytes(value)), scale);
    }

    /**
     * A string column's value. Avro strings arrive as UTF-8 bytes ({@link Utf8}): their bytes are
     * copied as they are, instead of decoded into a Java string that is encoded again whenever the
     * row is written (state, checkpoints, network).
     */
    private static StringData string(Object value, Schema schema) {
        if (value instanceof Utf8 u && !(schema.getLogicalType() instanceof LogicalTypes.Decimal)) {
            return StringData.fromBytes(Arrays.copyOf(u.getBytes(), u.getByteLength()));
        }
        return StringData.fromString(text(value, schema));
    }

    /** The text form: strings as they are, a decimal as plain digits, anything else by toString. */
    private static String text(Object value, Schema schema) {
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
            return bigDecimal(value, schema).toPlainString();
        }
        if (value instanceof ByteBuffer || value instanceof byte[]) {
            return new String(bytes(value), java.nio.charset.StandardCharsets.UTF_8);
        }
        return value.toString();
    }

    private static byte[] bytes(Object value) {
        if (value instanceof byte[] b) {
            return b;
        }
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** The non-null branch of a nullable union. */
    static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return branch;
                }
            }
        }
        return schema;
    }
}
