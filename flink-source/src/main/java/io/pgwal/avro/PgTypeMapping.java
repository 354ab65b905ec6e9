package io.pgwal.avro;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgTypeInfo;
import io.pgwal.catalog.PgTypes;
import io.pgwal.catalog.PgTypes.AvroForm;
import io.pgwal.catalog.PgTypes.NumericTypmod;
import io.pgwal.catalog.PgTypes.PgType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Maps a PostgreSQL column type (OID and type modifier) to an Avro schema and a {@link
 * ValueConverter} from PostgreSQL's text output format, driven by the type table {@link
 * PgTypes}: each type's {@link AvroForm} has one schema and one converter here.
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
 *   <tr><td>interval</td><td>record pgwal.Interval</td><td>months, days, micros: see {@link
 *       PgIntervalText}</td></tr>
 *   <tr><td>money</td><td>bytes decimal(19,2)</td><td>exact cents ({@code lc_monetary=C})</td></tr>
 *   <tr><td>arrays</td><td>array (one level per dimension) of ["null", element]</td><td>List;
 *       see {@link PgArrayText}</td></tr>
 *   <tr><td>enums</td><td>string, labels in order in property {@code pg.enum_labels}</td>
 *       <td>Utf8</td></tr>
 *   <tr><td>composites</td><td>record {@code pgwal.types.<schema>_<type>} of nullable
 *       fields</td><td>GenericData.Record; see {@link PgRecordText}</td></tr>
 *   <tr><td>hstore</td><td>map of ["null", string]</td><td>Map&lt;Utf8, Utf8&gt;</td></tr>
 *   <tr><td>everything else (timetz, inet, ranges, geometric, xml, tsvector, other user
 *       types)</td><td>string</td><td>PostgreSQL's text form (fallback)</td></tr>
 * </table>
 *
 * <p>Strings are {@link org.apache.avro.util.Utf8} (the UTF-8 bytes are copied, never decoded),
 * which is also what Avro's own decoders produce. Domains are mapped by their base type (see
 * {@link io.pgwal.catalog.PgColumn#baseTypeOid()}).
 */
public final class PgTypeMapping {

    /** An Avro schema, the converter into it, and the PostgreSQL type name it came from. */
    public record Mapping(Schema schema, ValueConverter converter, String pgTypeName) {}

    private PgTypeMapping() {}

    /** The Avro schema of a form other than {@link AvroForm#DECIMAL} (a fresh one per call). */
    private static Schema schema(AvroForm form) {
        return switch (form) {
            case BOOLEAN -> primitive(Schema.Type.BOOLEAN);
            case INT -> primitive(Schema.Type.INT);
            case LONG -> primitive(Schema.Type.LONG);
            case FLOAT -> primitive(Schema.Type.FLOAT);
            case DOUBLE -> primitive(Schema.Type.DOUBLE);
            case STRING, DECIMAL -> primitive(Schema.Type.STRING);
            case UUID -> logical(LogicalTypes.uuid(), Schema.Type.STRING);
            case BYTES -> primitive(Schema.Type.BYTES);
            case DATE -> logical(LogicalTypes.date(), Schema.Type.INT);
            case TIME_MICROS -> logical(LogicalTypes.timeMicros(), Schema.Type.LONG);
            case LOCAL_TIMESTAMP_MICROS ->
                    logical(LogicalTypes.localTimestampMicros(), Schema.Type.LONG);
            case TIMESTAMP_MICROS -> logical(LogicalTypes.timestampMicros(), Schema.Type.LONG);
            case INTERVAL -> PgIntervalText.SCHEMA;
            case MONEY -> logical(LogicalTypes.decimal(19, 2), Schema.Type.BYTES);
            case ARRAY, RECORD, MAP -> throw new IllegalArgumentException(form
                    + " is the form of a type kind, mapped from its PgTypeInfo");
        };
    }

    /** The converter from PostgreSQL's text output into a form's Avro value. */
    private static ValueConverter converter(AvroForm form) {
        return switch (form) {
            case BOOLEAN -> PgTextValues::parseBool;
            case INT -> PgTextValues::parseInt;
            case LONG -> PgTextValues::parseLong;
            case FLOAT -> (b, o, l) -> Float.parseFloat(PgTextValues.ascii(b, o, l));
            case DOUBLE -> (b, o, l) -> Double.parseDouble(PgTextValues.ascii(b, o, l));
            case STRING, UUID, DECIMAL -> PgTextValues::utf8;
            case BYTES -> PgTextValues::parseBytea;
            case DATE -> PgDateTimeText::parseDate;
            case TIME_MICROS -> PgDateTimeText::parseTime;
            case LOCAL_TIMESTAMP_MICROS -> PgDateTimeText::parseTimestamp;
            case TIMESTAMP_MICROS -> PgDateTimeText::parseTimestampTz;
            case INTERVAL -> PgIntervalText::parse;
            case MONEY -> (b, o, l) -> ByteBuffer.wrap(PgTextValues.parseMoney(b, o, l)
                    .setScale(2, RoundingMode.UNNECESSARY).unscaledValue().toByteArray());
            case ARRAY, RECORD, MAP -> throw new IllegalArgumentException(form
                    + " is the form of a type kind, mapped from its PgTypeInfo");
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
        if (typeOid == PgTypes.NUMERIC) {
            return numeric(typmod, column);
        }
        PgType t = PgTypes.of(typeOid);
        // Unknown types (the fallback row) travel as PostgreSQL's own text form, which every type
        // has and which loses nothing.
        String name = PgTypes.isKnown(typeOid) ? t.name() : null;
        return new Mapping(schema(t.avro()), guarded(converter(t.avro()), column,
                name == null ? "text" : name), name);
    }

    /**
     * The mapping of a column or attribute of the type {@code type}: scalars by the type table,
     * arrays, enums, composites and hstore by their structure (recursively). {@code column} only
     * names the column in error messages. Fresh Schemas (but for the shared interval record).
     */
    public static Mapping map(PgTypeInfo type, String column) {
        return switch (type.kind()) {
            case SCALAR -> {
                Mapping m = map(type.oid(), type.typmod(), column);
                yield m.pgTypeName() != null || type.name() == null ? m
                        : new Mapping(m.schema(), m.converter(), type.name());
            }
            case ENUM -> {
                Schema s = primitive(Schema.Type.STRING);
                s.addProp("pg.enum_labels", type.labels());
                yield new Mapping(s, guarded(PgTextValues::utf8, column, type.name()),
                        type.name());
            }
            case ARRAY -> array(type, column);
            case COMPOSITE -> composite(type, column);
            case HSTORE -> new Mapping(Schema.createMap(PgWalSchemas.nullable(
                    primitive(Schema.Type.STRING))), guarded(PgHstoreText::parse, column,
                    type.name()), type.name());
        };
    }

    private static Mapping array(PgTypeInfo type, String column) {
        Mapping element = map(type.element(), column);
        String name = (element.pgTypeName() == null ? "text" : element.pgTypeName())
                + "[]".repeat(type.dimensions());
        // Elements may be NULL; sub-arrays never are (PostgreSQL's arrays are rectangular).
        Schema schema = PgWalSchemas.nullable(element.schema());
        for (int d = 0; d < type.dimensions(); d++) {
            schema = Schema.createArray(schema);
        }
        return new Mapping(schema, guarded(PgArrayText.converter(element.converter(),
                type.dimensions(), type.delimiter(), column, name), column, name), name);
    }

    private static Mapping composite(PgTypeInfo type, String column) {
        List<PgTypeInfo.Attribute> attributes = type.attributes();
        List<String> names = AvroNames.uniqueNames(
                attributes.stream().map(PgTypeInfo.Attribute::name).toList());
        List<Schema.Field> fields = new ArrayList<>(attributes.size());
        ValueConverter[] converters = new ValueConverter[attributes.size()];
        for (int i = 0; i < attributes.size(); i++) {
            PgTypeInfo.Attribute a = attributes.get(i);
            Mapping m = map(a.type(), column + "." + a.name());
            converters[i] = m.converter();
            Schema.Field f = new Schema.Field(names.get(i), PgWalSchemas.nullable(m.schema()),
                    null, JsonProperties.NULL_VALUE);
            f.addProp("pg.name", a.name());
            f.addProp("pg.type", m.pgTypeName() == null ? "text" : m.pgTypeName());
            fields.add(f);
        }
        Schema schema = Schema.createRecord(AvroNames.sanitize(type.name()),
                "PostgreSQL composite type " + type.name(), PgWalSchemas.NAMESPACE + ".types",
                false, fields);
        schema.addProp("pg.name", type.name());
        return new Mapping(schema, guarded(PgRecordText.converter(schema, converters, column,
                type.name()), column, type.name()), type.name());
    }

    /** True when {@code typeOid} has a dedicated mapping (not the string fallback). */
    public static boolean isMapped(int typeOid) {
        return PgTypes.isKnown(typeOid);
    }

    private static Mapping numeric(int typmod, String column) {
        NumericTypmod n = PgTypes.numeric(typmod);
        if (n == null || !n.fitsAvroDecimal()) {
            // Unconstrained, or not expressible as an Avro decimal: keep the exact text.
            String name = n == null ? "numeric" : n.toString();
            return new Mapping(primitive(Schema.Type.STRING),
                    guarded(PgTextValues::utf8, column, name), name);
        }
        int precision = n.precision();
        int scale = n.scale();
        String name = n.toString();
        Schema schema = logical(LogicalTypes.decimal(precision, scale), Schema.Type.BYTES);
        ValueConverter c = (b, o, l) -> {
            if (PgTextValues.isSpecialNumeric(b, o, l)) {
                // PostgreSQL allows NaN in any numeric column (±Infinity only unconstrained).
                String v = PgTextValues.ascii(b, o, l);
                throw new UnrepresentableValueException("column \"" + column + "\" is " + name
                        + " (Avro decimal(" + precision + "," + scale + ")), which cannot hold "
                        + v, v);
            }
            byte[] small = PgTextValues.smallDecimalBytes(b, o, l, scale);
            if (small != null) {
                return ByteBuffer.wrap(small);
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
                        + ": cannot convert the text value '"
                        + new String(b, o, l, java.nio.charset.StandardCharsets.UTF_8)
                        + "' (" + e.getMessage() + "). pgwal expects PostgreSQL's text output "
                        + "with DateStyle=ISO, IntervalStyle=iso_8601 and lc_monetary=C, which "
                        + "its connections set; check that nothing overrides them (option "
                        + "'options' of the JDBC properties).", e);
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
