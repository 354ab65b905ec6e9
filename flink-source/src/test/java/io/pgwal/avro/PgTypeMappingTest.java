package io.pgwal.avro;

import static io.pgwal.catalog.PgTypes.BOOL;
import static io.pgwal.catalog.PgTypes.BPCHAR;
import static io.pgwal.catalog.PgTypes.BYTEA;
import static io.pgwal.catalog.PgTypes.CHAR;
import static io.pgwal.catalog.PgTypes.DATE;
import static io.pgwal.catalog.PgTypes.FLOAT4;
import static io.pgwal.catalog.PgTypes.FLOAT8;
import static io.pgwal.catalog.PgTypes.INT2;
import static io.pgwal.catalog.PgTypes.INT4;
import static io.pgwal.catalog.PgTypes.INT8;
import static io.pgwal.catalog.PgTypes.INTERVAL;
import static io.pgwal.catalog.PgTypes.MONEY;
import static io.pgwal.catalog.PgTypes.JSON;
import static io.pgwal.catalog.PgTypes.JSONB;
import static io.pgwal.catalog.PgTypes.NAME;
import static io.pgwal.catalog.PgTypes.NUMERIC;
import static io.pgwal.catalog.PgTypes.OID;
import static io.pgwal.catalog.PgTypes.TEXT;
import static io.pgwal.catalog.PgTypes.TIME;
import static io.pgwal.catalog.PgTypes.TIMESTAMP;
import static io.pgwal.catalog.PgTypes.TIMESTAMPTZ;
import static io.pgwal.catalog.PgTypes.UUID;
import static io.pgwal.catalog.PgTypes.VARCHAR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven: PostgreSQL text output → Avro schema and value, for every mapped type. */
class PgTypeMappingTest {

    /** One row of the table: type, typmod, text as PostgreSQL prints it, Avro type, value. */
    record Row(int oid, int typmod, String text, String avroType, Object expected) {
        @Override
        public String toString() {
            return oid + "/" + typmod + " '" + text + "'";
        }
    }

    static int numeric(int precision, int scale) {
        return ((precision << 16) | scale) + 4;
    }

    static long micros(LocalDateTime t) {
        return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1_000;
    }

    static long micros(OffsetDateTime t) {
        return t.toEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    static final List<Row> ROWS = List.of(
            new Row(BOOL, -1, "t", "boolean", true),
            new Row(BOOL, -1, "f", "boolean", false),
            new Row(INT2, -1, "-32768", "int", -32768),
            new Row(INT4, -1, "2147483647", "int", Integer.MAX_VALUE),
            new Row(INT4, -1, "-2147483648", "int", Integer.MIN_VALUE),
            new Row(INT4, -1, "0", "int", 0),
            new Row(INT8, -1, "-9223372036854775808", "long", Long.MIN_VALUE),
            new Row(INT8, -1, "9223372036854775807", "long", Long.MAX_VALUE),
            new Row(OID, -1, "4294967295", "long", 4294967295L),
            new Row(FLOAT4, -1, "1.1", "float", 1.1f),
            new Row(FLOAT4, -1, "-3.4028235e+38", "float", -Float.MAX_VALUE),
            new Row(FLOAT4, -1, "NaN", "float", Float.NaN),
            new Row(FLOAT8, -1, "0.1", "double", 0.1),
            new Row(FLOAT8, -1, "1e-310", "double", 1e-310),
            new Row(FLOAT8, -1, "Infinity", "double", Double.POSITIVE_INFINITY),
            new Row(FLOAT8, -1, "-Infinity", "double", Double.NEGATIVE_INFINITY),
            new Row(FLOAT8, -1, "NaN", "double", Double.NaN),
            new Row(NUMERIC, numeric(12, 2), "1234567890.12", "bytes:decimal(12,2)",
                    new BigDecimal("1234567890.12")),
            new Row(NUMERIC, numeric(12, 2), "-0.50", "bytes:decimal(12,2)",
                    new BigDecimal("-0.50")),
            new Row(NUMERIC, numeric(12, 2), "7.00", "bytes:decimal(12,2)",
                    new BigDecimal("7.00")),
            new Row(NUMERIC, numeric(38, 10), "-1234567890123456789012345678.0123456789",
                    "bytes:decimal(38,10)",
                    new BigDecimal("-1234567890123456789012345678.0123456789")),
            new Row(NUMERIC, numeric(5, 0), "-99999", "bytes:decimal(5,0)",
                    new BigDecimal("-99999")),
            new Row(NUMERIC, -1, "3.14159265358979323846264338327950288419716939937510",
                    "string", "3.14159265358979323846264338327950288419716939937510"),
            new Row(NUMERIC, -1, "NaN", "string", "NaN"),
            new Row(NUMERIC, -1, "-Infinity", "string", "-Infinity"),
            // PostgreSQL 15+: numeric(3,-2) — no Avro decimal can hold a negative scale.
            new Row(NUMERIC, ((3 << 16) | (-2 & 0x7ff)) + 4, "12300", "string", "12300"),
            new Row(TEXT, -1, "héllo ✓ 'quoted'", "string", "héllo ✓ 'quoted'"),
            new Row(VARCHAR, 14, "", "string", ""),
            new Row(BPCHAR, 9, "ab   ", "string", "ab   "),
            new Row(NAME, -1, "pg_class", "string", "pg_class"),
            new Row(CHAR, -1, "x", "string", "x"),
            new Row(JSON, -1, "{\"a\": [1, 2]}", "string", "{\"a\": [1, 2]}"),
            new Row(JSONB, -1, "{\"a\": [1, 2]}", "string", "{\"a\": [1, 2]}"),
            new Row(UUID, -1, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "string:uuid",
                    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            new Row(BYTEA, -1, "\\x0001ff7f", "bytes", new byte[] {0, 1, -1, 127}),
            new Row(BYTEA, -1, "\\x", "bytes", new byte[0]),
            new Row(BYTEA, -1, "a\\\\b\\001\\377", "bytes",
                    new byte[] {'a', '\\', 'b', 1, (byte) 0xff}),
            new Row(DATE, -1, "2024-02-29", "int:date",
                    (int) LocalDate.of(2024, 2, 29).toEpochDay()),
            new Row(DATE, -1, "1969-12-31", "int:date", -1),
            new Row(DATE, -1, "0044-03-15 BC", "int:date",
                    (int) LocalDate.of(-43, 3, 15).toEpochDay()),
            new Row(DATE, -1, "0005-02-29 BC", "int:date",
                    (int) LocalDate.of(-4, 2, 29).toEpochDay()),
            new Row(DATE, -1, "5874897-12-31", "int:date",
                    (int) LocalDate.of(5874897, 12, 31).toEpochDay()),
            new Row(DATE, -1, "infinity", "int:date", Integer.MAX_VALUE),
            new Row(DATE, -1, "-infinity", "int:date", Integer.MIN_VALUE),
            new Row(TIME, -1, "00:00:00", "long:time-micros", 0L),
            new Row(TIME, -1, "13:45:01.5", "long:time-micros",
                    ((13 * 60 + 45) * 60 + 1) * 1_000_000L + 500_000L),
            new Row(TIME, -1, "23:59:59.999999", "long:time-micros", 86_399_999_999L),
            new Row(TIME, -1, "24:00:00", "long:time-micros", 86_400_000_000L),
            new Row(TIMESTAMP, -1, "2024-03-31 02:30:00.123456", "long:local-timestamp-micros",
                    micros(LocalDateTime.of(2024, 3, 31, 2, 30, 0, 123_456_000))),
            new Row(TIMESTAMP, -1, "1900-01-01 00:00:00", "long:local-timestamp-micros",
                    micros(LocalDateTime.of(1900, 1, 1, 0, 0))),
            new Row(TIMESTAMP, -1, "0001-01-01 00:00:00 BC", "long:local-timestamp-micros",
                    micros(LocalDateTime.of(0, 1, 1, 0, 0))),
            new Row(TIMESTAMP, -1, "infinity", "long:local-timestamp-micros", Long.MAX_VALUE),
            new Row(TIMESTAMP, -1, "-infinity", "long:local-timestamp-micros", Long.MIN_VALUE),
            new Row(TIMESTAMPTZ, -1, "2024-03-10 12:34:56.789+05:45", "long:timestamp-micros",
                    micros(OffsetDateTime.of(2024, 3, 10, 12, 34, 56, 789_000_000,
                            ZoneOffset.ofHoursMinutes(5, 45)))),
            new Row(TIMESTAMPTZ, -1, "2024-07-01 00:00:00-03:30", "long:timestamp-micros",
                    micros(OffsetDateTime.of(2024, 7, 1, 0, 0, 0, 0,
                            ZoneOffset.ofHoursMinutes(-3, -30)))),
            new Row(TIMESTAMPTZ, -1, "1900-01-01 00:00:00+00:19:32", "long:timestamp-micros",
                    micros(OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0,
                            ZoneOffset.ofHoursMinutesSeconds(0, 19, 32)))),
            new Row(TIMESTAMPTZ, -1, "1970-01-01 00:00:00+00", "long:timestamp-micros", 0L),
            new Row(TIMESTAMPTZ, -1, "0044-03-15 12:00:00+00 BC", "long:timestamp-micros",
                    micros(OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 0, ZoneOffset.UTC))),
            new Row(TIMESTAMPTZ, -1, "infinity", "long:timestamp-micros", Long.MAX_VALUE),
            // interval (IntervalStyle=iso_8601): months, days, micros.
            new Row(INTERVAL, -1, "P1Y2M3DT4H5M6.5S", "record", List.of(14, 3,
                    ((4 * 60 + 5) * 60 + 6) * 1_000_000L + 500_000L)),
            new Row(INTERVAL, -1, "PT0S", "record", List.of(0, 0, 0L)),
            new Row(INTERVAL, -1, "P-1Y-2M3D", "record", List.of(-14, 3, 0L)),
            new Row(INTERVAL, -1, "P-1DT-1.5S", "record", List.of(0, -1, -1_500_000L)),
            new Row(INTERVAL, -1, "PT-0.000001S", "record", List.of(0, 0, -1L)),
            new Row(INTERVAL, -1, "PT-2562047788H-54.775807S", "record",
                    List.of(0, 0, -9223372036854775807L)),
            new Row(INTERVAL, -1, "P178956970Y7M2147483647DT2562047788H54.775807S", "record",
                    List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, 9223372036854775807L)),
            new Row(INTERVAL, -1, "infinity", "record",
                    List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE)),
            new Row(INTERVAL, -1, "-infinity", "record",
                    List.of(Integer.MIN_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE)),
            // money (lc_monetary=C): exact cents.
            new Row(MONEY, -1, "$1,000.00", "bytes:decimal(19,2)", new BigDecimal("1000.00")),
            new Row(MONEY, -1, "-$0.01", "bytes:decimal(19,2)", new BigDecimal("-0.01")),
            new Row(MONEY, -1, "-$92,233,720,368,547,758.08", "bytes:decimal(19,2)",
                    new BigDecimal("-92233720368547758.08")),
            // Fallback: PostgreSQL's text form of every other type.
            new Row(1007, -1, "{1,NULL,3}", "string", "{1,NULL,3}"),
            new Row(1266, -1, "12:00:00+05:45", "string", "12:00:00+05:45"),
            new Row(869, -1, "192.168.0.1/24", "string", "192.168.0.1/24"),
            new Row(3904, -1, "[1,10)", "string", "[1,10)"),
            new Row(123456, -1, "(1,\"a b\")", "string", "(1,\"a b\")"));

    static Stream<Arguments> rows() {
        return ROWS.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void convertsTextToAvro(Row row) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(row.oid(), row.typmod(), "c");
        assertThat(describe(m.schema())).isEqualTo(row.avroType());
        assertThat(normalize(convert(m, row.text()), m.schema())).isEqualTo(row.expected());
    }

    static Object convert(PgTypeMapping.Mapping m, String text) {
        // Pad the value inside a larger buffer: converters must honour offset and length.
        byte[] value = text.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[value.length + 6];
        System.arraycopy(value, 0, buf, 3, value.length);
        java.util.Arrays.fill(buf, 0, 3, (byte) '9');
        java.util.Arrays.fill(buf, 3 + value.length, buf.length, (byte) '9');
        return m.converter().convert(buf, 3, value.length);
    }

    /** "type" or "type:logical" (decimals with precision and scale). */
    static String describe(Schema s) {
        String type = s.getType().getName();
        if (s.getLogicalType() instanceof LogicalTypes.Decimal d) {
            return type + ":decimal(" + d.getPrecision() + "," + d.getScale() + ")";
        }
        return s.getLogicalType() == null ? type : type + ":" + s.getLogicalType().getName();
    }

    /** The non-null branch of a nullable union. */
    static Schema nonNull(Schema s) {
        return s.getType() == Schema.Type.UNION
                ? s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).findFirst()
                        .orElseThrow()
                : s;
    }

    /** Avro value → comparable Java value; decimals keep their scale (BigDecimal.equals). */
    static Object normalize(Object v, Schema schema) {
        Schema s = nonNull(schema);
        if (v instanceof org.apache.avro.generic.GenericRecord r) {
            List<Object> fields = new java.util.ArrayList<>();
            for (Schema.Field f : s.getFields()) {
                fields.add(normalize(r.get(f.pos()), f.schema()));
            }
            return fields;
        }
        if (v instanceof List<?> l) {
            List<Object> items = new java.util.ArrayList<>();
            l.forEach(item -> items.add(normalize(item, s.getElementType())));
            return items;
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k.toString(), normalize(x, s.getValueType())));
            return out;
        }
        if (v instanceof Utf8 u) {
            return u.toString();
        }
        if (v instanceof ByteBuffer b) {
            if (s.getLogicalType() instanceof LogicalTypes.Decimal) {
                return PgTypeMapping.decimal(b, s);
            }
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        return v;
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(INT4, -1, "2147483648"),
                Arguments.of(INT4, -1, "12a"),
                Arguments.of(INT8, -1, "-"),
                Arguments.of(BOOL, -1, "true"),
                Arguments.of(FLOAT8, -1, "one"),
                Arguments.of(NUMERIC, numeric(12, 2), "1.234"),
                Arguments.of(BYTEA, -1, "\\x0"),
                Arguments.of(BYTEA, -1, "\\q"),
                Arguments.of(DATE, -1, "2023-02-29"),
                Arguments.of(DATE, -1, "24.12.2024"),
                Arguments.of(TIME, -1, "24:00:01"),
                Arguments.of(TIMESTAMPTZ, -1, "2024-01-01 00:00:00"),
                Arguments.of(TIMESTAMP, -1, "2024-01-01 00:00:00+01"),
                // Other IntervalStyle / lc_monetary than pgwal's connections set.
                Arguments.of(INTERVAL, -1, "1 year 2 mons"),
                Arguments.of(INTERVAL, -1, "P1.5D"),
                Arguments.of(MONEY, -1, "1.234,56 €"),
                Arguments.of(MONEY, -1, "$1.5"),
                // Valid in PostgreSQL, beyond Unix-epoch micros in a long.
                Arguments.of(TIMESTAMP, -1, "294276-12-31 23:59:59.999999"),
                Arguments.of(TIMESTAMPTZ, -1, "294276-12-31 23:59:59.999999+00"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsInvalidTextNamingTheColumn(int oid, int typmod, String text) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(oid, typmod, "the_col");
        assertThatThrownBy(() -> convert(m, text))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("\"the_col\"")
                .hasMessageContaining(text);
    }

    /**
     * The long fast path of numeric gives the same decimal bytes as the exact BigDecimal path, or
     * steps aside (null) where it does not apply: edge values, and random ones of every length.
     */
    @org.junit.jupiter.api.Test
    void smallDecimalsEqualTheExactPath() {
        List<String> texts = new java.util.ArrayList<>(List.of("0", "-0", "0.00", "1", "-1", "127",
                "128", "-128", "-129", "255", "256", "32767", "32768", "-32769", "0.5", "-0.01",
                "999999999999999999", "-999999999999999999", "9999999999999999.99",
                "1000000000000000000", "12.345", "1.50", "00012.5"));
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            String all = Long.toString(random.nextLong() & Long.MAX_VALUE) + "000000000000000000";
            String digits = all.substring(0, 1 + random.nextInt(19));
            int point = random.nextInt(digits.length() + 1);
            String t = (random.nextBoolean() ? "-" : "") + digits.substring(0, point)
                    + (point < digits.length() ? "." + digits.substring(point) : "");
            texts.add(t.startsWith(".") || t.startsWith("-.") ? t.replace(".", "0.") : t);
        }
        int fast = 0;
        for (int scale : new int[] {0, 2, 5, 18}) {
            for (String t : texts) {
                byte[] b = t.getBytes(StandardCharsets.US_ASCII);
                byte[] small = PgTextValues.smallDecimalBytes(b, 0, b.length, scale);
                BigDecimal exact = new BigDecimal(t);
                if (small == null) {
                    continue;
                }
                fast++;
                assertThat(small).as("%s at scale %d", t, scale).isEqualTo(exact
                        .setScale(scale, java.math.RoundingMode.UNNECESSARY)
                        .unscaledValue().toByteArray());
            }
        }
        assertThat(fast).as("values the fast path took").isGreaterThan(texts.size());
        // Beyond the scale, or beyond a long: the exact path decides (and may refuse).
        byte[] b = "1.234".getBytes(StandardCharsets.US_ASCII);
        assertThat(PgTextValues.smallDecimalBytes(b, 0, b.length, 2)).isNull();
        b = "1234567890123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(PgTextValues.smallDecimalBytes(b, 0, b.length, 0)).isNull();
        b = "NaN".getBytes(StandardCharsets.US_ASCII);
        assertThat(PgTextValues.smallDecimalBytes(b, 0, b.length, 2)).isNull();
    }

    @ParameterizedTest
    @MethodSource("specialNumerics")
    void rejectsNanAndInfinityInAConstrainedNumeric(String text) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(NUMERIC, numeric(12, 2), "price");
        assertThatThrownBy(() -> convert(m, text))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("\"price\"")
                .hasMessageContaining("numeric(12,2)")
                .hasMessageContaining(text);
    }

    static Stream<String> specialNumerics() {
        return Stream.of("NaN", "Infinity", "-Infinity");
    }
}
