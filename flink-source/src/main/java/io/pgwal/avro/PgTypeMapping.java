package io.pgwal.avro;

import io.pgwal.PgWalException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Maps a PostgreSQL column type (OID and type modifier) to an Avro schema and a {@link
 * ValueConverter} from PostgreSQL's text output format, table-driven by type OID.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>PostgreSQL</th><th>Avro</th><th>Java value</th></tr>
 *   <tr><td>bool</td><td>boolean</td><td>Boolean</td></tr>
 *   <tr><td>int2, int4</td><td>int</td><td>Integer</td></tr>
 *   <tr><td>int8, oid</td><td>long</td><td>Long</td></tr>
 *   <tr><td>float4 / float8</td><td>float / double</td><td>incl. NaN, ±Infinity</td></tr>
 *   <tr><td>numeric(p,s)</td><td>bytes decimal(p,s)</td><td>ByteBuffer: the two's-complement
 *       unscaled value of the number scaled exactly to s (never rounded); see {@link
 *       #decimal(Object, Schema)}; NaN (which PostgreSQL allows in any numeric) is an {@link
 *       UnrepresentableValueException}</td></tr>
 *   <tr><td>numeric (no typmod), or a scale Avro cannot express (s &lt; 0 or s &gt; p,
 *       PostgreSQL 15+)</td><td>string</td><td>the exact text, incl. NaN and ±Infinity (Avro
 *       decimals need one fixed scale)</td></tr>
 *   <tr><td>text, varchar, bpchar, name, "char", json, jsonb</td><td>string</td><td>Utf8</td></tr>
 *   <tr><td>uuid</td><td>string (uuid)</td><td>Utf8</td></tr>
 *   <tr><td>bytea</td><td>bytes</td><td>ByteBuffer (hex and escape output formats)</td></tr>
 *   <tr><td>date</td><td>int (date)</td><td>days since 1970-01-01; 'infinity' /
 *       '-infinity' → Integer.MAX_VALUE / MIN_VALUE</td></tr>
 *   <tr><td>time</td><td>long (time-micros)</td><td>24:00:00 → 86,400,000,000</td></tr>
 *   <tr><td>timestamp</td><td>long (local-timestamp-micros)</td><td>wall clock, no zone;
 *       ±infinity → Long.MAX_VALUE / MIN_VALUE; values after 294247 AD (PostgreSQL allows up
 *       to 294276 AD) do not fit a long: an {@link UnrepresentableValueException}</td></tr>
 *   <tr><td>timestamptz</td><td>long (timestamp-micros)</td><td>UTC, from the offset in the
 *       text; ±infinity → Long.MAX_VALUE / MIN_VALUE</td></tr>
 *   <tr><td>everything else (enums, arrays, interval, timetz, money, inet, ranges,
 *       composites, other user types)</td><td>string</td><td>PostgreSQL's text form
 *       (fallback)</td></tr>
 * </table>
 *
 * <p>Strings are {@link org.apache.avro.util.Utf8} (the UTF-8 bytes are copied, never decoded),
 * which is also what Avro's own decoders produce. Domains are mapped by their base type (see
 * {@link ColumnInfo#baseTypeOid()}).
 */
public final class PgTypeMapping {

    public static final int BOOL = 16;
    public static final int BYTEA = 17;
    public static final int CHAR = 18;
    public static final int NAME = 19;
    public static final int INT8 = 20;
    public static final int INT2 = 21;
    public static final int INT4 = 23;
    public static final int TEXT = 25;
    public static final int OID = 26;
    public static final int JSON = 114;
    public static final int FLOAT4 = 700;
    public static final int FLOAT8 = 701;
    public static final int BPCHAR = 1042;
    public static final int VARCHAR = 1043;
    public static final int DATE = 1082;
    public static final int TIME = 1083;
    public static final int TIMESTAMP = 1114;
    public static final int TIMESTAMPTZ = 1184;
    public static final int NUMERIC = 1700;
    public static final int UUID = 2950;
    public static final int JSONB = 3802;

    /** An Avro schema, the converter into it, and the PostgreSQL type name it came from. */
    public record Mapping(Schema schema, ValueConverter converter, String pgTypeName) {}

    private record Entry(String name, Supplier<Schema> schema, ValueConverter converter) {}

    private static final Map<Integer, Entry> TYPES = new HashMap<>();

    static {
        ValueConverter string = PgTextValues::utf8;
        ValueConverter asInt = PgTextValues::parseInt;
        ValueConverter asLong = PgTextValues::parseLong;
        ValueConverter asFloat = (b, o, l) -> Float.parseFloat(PgTextValues.ascii(b, o, l));
        ValueConverter asDouble = (b, o, l) -> Double.parseDouble(PgTextValues.ascii(b, o, l));
        add(BOOL, "bool", () -> primitive(Schema.Type.BOOLEAN), PgTextValues::parseBool);
        add(INT2, "int2", () -> primitive(Schema.Type.INT), asInt);
        add(INT4, "int4", () -> primitive(Schema.Type.INT), asInt);
        add(INT8, "int8", () -> primitive(Schema.Type.LONG), asLong);
        add(OID, "oid", () -> primitive(Schema.Type.LONG), asLong);
        add(FLOAT4, "float4", () -> primitive(Schema.Type.FLOAT), asFloat);
        add(FLOAT8, "float8", () -> primitive(Schema.Type.DOUBLE), asDouble);
        for (int oid : new int[] {TEXT, VARCHAR, BPCHAR, NAME, CHAR, JSON, JSONB}) {
            add(oid, builtinName(oid), () -> primitive(Schema.Type.STRING), string);
        }
        add(UUID, "uuid", () -> logical(LogicalTypes.uuid(), Schema.Type.STRING), string);
        add(BYTEA, "bytea", () -> primitive(Schema.Type.BYTES), PgTextValues::parseBytea);
        add(DATE, "date", () -> logical(LogicalTypes.date(), Schema.Type.INT),
                PgDateTimeText::parseDate);
        add(TIME, "time", () -> logical(LogicalTypes.timeMicros(), Schema.Type.LONG),
                PgDateTimeText::parseTime);
        add(TIMESTAMP, "timestamp",
                () -> logical(LogicalTypes.localTimestampMicros(), Schema.Type.LONG),
                PgDateTimeText::parseTimestamp);
        add(TIMESTAMPTZ, "timestamptz",
                () -> logical(LogicalTypes.timestampMicros(), Schema.Type.LONG),
                PgDateTimeText::parseTimestampTz);
    }

    private PgTypeMapping() {}

    private static void add(int oid, String name, Supplier<Schema> schema, ValueConverter c) {
        TYPES.put(oid, new Entry(name, schema, c));
    }

    private static String builtinName(int oid) {
        return switch (oid) {
            case TEXT -> "text";
            case VARCHAR -> "varchar";
            case BPCHAR -> "bpchar";
            case NAME -> "name";
            case CHAR -> "char";
            case JSON -> "json";
            default -> "jsonb";
        };
    }

    private static Schema primitive(Schema.Type type) {
        return Schema.create(type);
    }

    private static Schema logical(LogicalType logicalType, Schema.Type type) {
        return logicalType.addToSchema(Schema.create(type));
    }

    /**
     * The mapping of a column. {@code column} only names the column in error messages. A fresh
     * Schema is returned on every call, so callers may add properties to it.
     */
    public static Mapping map(int typeOid, int typmod, String column) {
        if (typeOid == NUMERIC) {
            return numeric(typmod, column);
        }
        Entry e = TYPES.get(typeOid);
        if (e == null) {
            // Fallback: PostgreSQL's own text form, which every type has and loses nothing.
            return new Mapping(primitive(Schema.Type.STRING), guarded(PgTextValues::utf8, column,
                    "text"), null);
        }
        return new Mapping(e.schema().get(), guarded(e.converter(), column, e.name()), e.name());
    }

    /**
     * True for built-in types of a fixed length ({@code typlen > 0}), whose values PostgreSQL never
     * TOASTs, so pgoutput always sends them; false for every other type, domains included.
     */
    public static boolean isFixedLength(int typeOid) {
        return switch (typeOid) {
            case BOOL, CHAR, NAME, INT8, INT2, INT4, OID, FLOAT4, FLOAT8, DATE, TIME, TIMESTAMP,
                    TIMESTAMPTZ, UUID -> true;
            default -> false;
        };
    }

    /** True when {@code typeOid} has a dedicated mapping (not the string fallback). */
    public static boolean isMapped(int typeOid) {
        return typeOid == NUMERIC || TYPES.containsKey(typeOid);
    }

    private static Mapping numeric(int typmod, String column) {
        if (typmod < 4) {
            return new Mapping(primitive(Schema.Type.STRING),
                    guarded(PgTextValues::utf8, column, "numeric"), "numeric");
        }
        int precision = ((typmod - 4) >> 16) & 0xffff;
        // PostgreSQL 15+ stores the scale as an 11-bit signed number (it may be negative).
        int scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
        String name = "numeric(" + precision + "," + scale + ")";
        if (scale < 0 || scale > precision || precision < 1) {
            // Not expressible as an Avro decimal: keep the exact text.
            return new Mapping(primitive(Schema.Type.STRING),
                    guarded(PgTextValues::utf8, column, name), name);
        }
        Schema schema = logical(LogicalTypes.decimal(precision, scale), Schema.Type.BYTES);
        ValueConverter c = (b, o, l) -> {
            if (PgTextValues.isSpecialNumeric(b, o, l)) {
                // PostgreSQL allows NaN in any numeric column (±Infinity only unconstrained).
                String v = PgTextValues.ascii(b, o, l);
                throw new UnrepresentableValueException("column \"" + column + "\" is " + name
                        + " (Avro decimal(" + precision + "," + scale + ")), which cannot hold "
                        + v, v);
            }
            // Exact: a value with more decimals than the scale fails instead of being rounded.
            BigDecimal d = PgTextValues.parseDecimal(b, o, l)
                    .setScale(scale, RoundingMode.UNNECESSARY);
            return ByteBuffer.wrap(d.unscaledValue().toByteArray());
        };
        return new Mapping(schema, guarded(c, column, name), name);
    }

    /** Turns parse failures into a user-facing error naming the column, type and value. */
    private static ValueConverter guarded(ValueConverter c, String column, String typeName) {
        return (b, o, l) -> {
            try {
                return c.convert(b, o, l);
            } catch (ArithmeticException e) {
                String v = PgTextValues.ascii(b, o, l);
                throw new UnrepresentableValueException("column \"" + column + "\" of type "
                        + typeName + ": the value '" + v + "' is out of the range of the column's"
                        + " Avro type (" + e.getMessage() + ")", v);
            } catch (IllegalArgumentException | DateTimeException e) {
                throw new PgWalException("Column \"" + column + "\" of type " + typeName
                        + ": cannot convert the text value '" + PgTextValues.ascii(b, o, l)
                        + "' (" + e.getMessage() + "). pgwal expects PostgreSQL's text output "
                        + "with DateStyle=ISO, which the replication connection sets; check that "
                        + "no server or role setting overrides it.", e);
            }
        };
    }

    /**
     * Reads a decimal value of this mapping back as a BigDecimal: {@code value} is the ByteBuffer
     * of a {@code bytes}/{@code decimal} field, {@code schema} that field's (non-union) schema.
     */
    public static BigDecimal decimal(Object value, Schema schema) {
        ByteBuffer buf = ((ByteBuffer) value).duplicate();
        return new Conversions.DecimalConversion()
                .fromBytes(buf, schema, schema.getLogicalType());
    }
}
