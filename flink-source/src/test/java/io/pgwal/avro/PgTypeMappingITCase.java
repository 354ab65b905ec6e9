package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.JdbcValues;
import io.pgwal.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PGInterval;

/**
 * Against a real PostgreSQL 17: each value is selected as text made by the type's output function
 * (what pgoutput sends with the same session settings) and as a typed JDBC value; the Avro value
 * converted from the text must equal the JDBC value. The JVM runs in Asia/Kathmandu (+05:45),
 * which pgjdbc hands to the session as TimeZone, so timestamptz text carries unusual offsets.
 */
class PgTypeMappingITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    /** Reads the JDBC value of column 2 in the Avro value space (epoch numbers, byte[] ...). */
    interface JdbcValue {
        Object read(ResultSet rs, String text) throws SQLException;
    }

    record Case(String sqlType, List<String> literals, JdbcValue jdbc) {
        @Override
        public String toString() {
            return sqlType;
        }
    }

    @BeforeAll
    static void start() {
        pg.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    }

    static List<String> lits(String... v) {
        return List.of(v);
    }

    static long micros(LocalDateTime t) {
        return PgTypeMappingTest.micros(t);
    }

    static Stream<Arguments> cases() {
        JdbcValue string = (rs, t) -> rs.getString(2);
        return Stream.of(
                new Case("bool", lits("true", "false"), (rs, t) -> rs.getBoolean(2)),
                new Case("int2", lits("-32768", "32767", "0"), (rs, t) -> rs.getInt(2)),
                new Case("int4", lits("-2147483648", "2147483647", "42"), (rs, t) -> rs.getInt(2)),
                new Case("int8", lits("-9223372036854775808", "9223372036854775807", "-1"),
                        (rs, t) -> rs.getLong(2)),
                new Case("oid", lits("0", "4294967295", "1259"), (rs, t) -> rs.getLong(2)),
                new Case("float4", lits("1.1", "-3.4028235e38", "1e-45", "'NaN'", "'Infinity'",
                        "'-Infinity'", "0.333333343"), (rs, t) -> rs.getFloat(2)),
                new Case("float8", lits("0.1", "1e-310", "-1.7976931348623157e308", "'NaN'",
                        "'Infinity'", "'-Infinity'", "2.0/3"), (rs, t) -> rs.getDouble(2)),
                new Case("numeric(12,2)", lits("0", "7", "-0.5", "1234567890.12", "-9999999999.99",
                        "0.005", "12.345"), (rs, t) -> rs.getBigDecimal(2)),
                new Case("numeric(38,10)", lits("0", "-1234567890123456789012345678.0123456789",
                        "9999999999999999999999999999.9999999999", "1e-10", "42"),
                        (rs, t) -> rs.getBigDecimal(2)),
                new Case("numeric", lits("0", "-1.50", "1e100", "'NaN'", "'Infinity'",
                        "'-Infinity'", "3.141592653589793238462643383279502884197"),
                        (rs, t) -> rs.getString(2)),
                new Case("text", lits("''", "'héllo ✓ 😀'", "E'tab\\there\\nnew line'"),
                        string),
                new Case("varchar(20)", lits("'x'", "'  spaced  '"), string),
                new Case("char(5)", lits("'ab'", "'abcde'"), string),
                new Case("name", lits("'pg_class'"), string),
                new Case("\"char\"", lits("'x'"), string),
                new Case("json", lits("'{\"a\": [1, 2.50, null]}'", "'\"ü\"'"), string),
                new Case("jsonb", lits("'{\"b\": 1, \"a\": [1, 2.50]}'"), string),
                new Case("uuid",
                        lits("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "gen_random_uuid()"),
                        (rs, t) -> rs.getObject(2, UUID.class).toString()),
                new Case("bytea", lits("''", "'\\x0001ff7f'", "convert_to('héllo', 'UTF8')"),
                        (rs, t) -> rs.getBytes(2)),
                new Case("date", lits("'2024-02-29'", "'1969-12-31'", "'0044-03-15 BC'",
                        "'0001-01-01'", "'5874897-12-31'", "'infinity'", "'-infinity'"),
                        (rs, t) -> epochDay(rs.getObject(2, LocalDate.class))),
                new Case("time", lits("'00:00'", "'13:45:01.5'", "'23:59:59.999999'", "'24:00'"),
                        (rs, t) -> t.equals("24:00:00") ? 86_400_000_000L
                                : rs.getObject(2, LocalTime.class).toNanoOfDay() / 1000),
                new Case("timestamp", lits("'2024-03-31 02:30:00.123456'", "'1900-01-01'",
                        "'0044-03-15 12:00 BC'", "'294247-01-01 23:59:59.999999'", "'infinity'",
                        "'-infinity'"), (rs, t) -> timestamp(rs.getObject(2, LocalDateTime.class))),
                new Case("timestamptz", lits("'2024-03-10 12:34:56.789+05:45'",
                        "'2024-07-01 00:00-03:30'", "'1900-01-01 00:00:00'",
                        "'1900-01-01 00:00 Europe/Amsterdam'",
                        "'1850-06-01 12:00 America/New_York'",
                        "'2024-10-27 02:30 Europe/Berlin'", "'0044-03-15 12:00+00 BC'",
                        "'infinity'", "'-infinity'"),
                        (rs, t) -> timestamptz(rs.getObject(2, OffsetDateTime.class))),
                new Case("mood", lits("'sad'", "'happy'"), string),
                new Case("interval", lits("'1 year 2 months 3 days 04:05:06.5'", "'-1 day'",
                        "'-1 day -00:00:01.5'", "'0'", "'-178000000 years'",
                        "'2000000000 hours -54.775807 seconds'", "'1 mon -1 day 00:00:00.000001'"),
                        (rs, t) -> JdbcValues.interval((PGInterval) rs.getObject(2))),
                new Case("money", lits("0", "-0.01", "1234567.89", "'-92233720368547758.08'",
                        "'92233720368547758.07'"), (rs, t) -> rs.getBigDecimal(3)),
                // Fallbacks: PostgreSQL's text form.
                new Case("timetz", lits("'12:00+05:45'"), string),
                new Case("inet", lits("'192.168.0.1/24'"), string),
                new Case("int4range", lits("'[1,10)'"), string)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void textConversionEqualsJdbcValue(Case c) throws SQLException {
        assertSameValues(c, null);
    }

    /**
     * Timestamptz text in other session zones, incl. offsets with seconds: local mean time of
     * 1900 Kathmandu (+05:41:16) and of Brussels/Amsterdam in 1850 (+00:17:30).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sessionZones")
    void timestamptzInOtherSessionZones(String zone) throws SQLException {
        Case c = (Case) cases().filter(a -> a.get()[0].toString().equals("timestamptz"))
                .findFirst().orElseThrow().get()[0];
        List<String> texts = assertSameValues(c, zone);
        if (!zone.equals("UTC")) {
            assertThat(texts).anyMatch(t -> t.matches(".*[+-]\\d\\d:\\d\\d:\\d\\d( BC)?"));
        }
    }

    static Stream<String> sessionZones() {
        return Stream.of("Asia/Kathmandu", "Europe/Amsterdam", "America/St_Johns", "UTC");
    }

    /** Converts every literal's ::text and compares it with the JDBC value; returns the texts. */
    private static List<String> assertSameValues(Case c, String sessionZone) throws SQLException {
        List<String> texts = new ArrayList<>();
        try (Connection conn = pg.connect(); Statement st = conn.createStatement()) {
            // As every pgwal connection (PgWalConnectionConfig.SESSION_OPTIONS).
            st.execute("SET IntervalStyle = iso_8601; SET lc_monetary = 'C'");
            if (sessionZone != null) {
                st.execute("SET TimeZone = '" + sessionZone + "'");
            }
            st.execute("DROP TABLE IF EXISTS v; CREATE TABLE v (i int, v " + c.sqlType() + ")");
            for (int i = 0; i < c.literals().size(); i++) {
                st.execute("INSERT INTO v VALUES (" + i + ", " + c.literals().get(i) + ")");
            }
            int oid;
            int typmod;
            try (ResultSet rs = st.executeQuery("SELECT atttypid::int8, atttypmod FROM "
                    + "pg_attribute WHERE attrelid = 'v'::regclass AND attname = 'v'")) {
                rs.next();
                oid = (int) rs.getLong(1);
                typmod = rs.getInt(2);
            }
            PgTypeMapping.Mapping m = PgTypeMapping.map(oid, typmod, "v");
            // concat() prints with the type's output function, exactly as pgoutput does; a
            // ::text cast would not for bool ('true' instead of 't') and char(n) (trimmed).
            try (ResultSet rs = st.executeQuery("SELECT concat(v), v, "
                    + (c.sqlType().equals("money") ? "v::numeric" : "NULL") + " FROM v ORDER BY i")) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    String text = rs.getString(1);
                    texts.add(text);
                    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                    Object avro = PgTypeMappingTest.normalize(
                            m.converter().convert(bytes, 0, bytes.length), m.schema());
                    assertThat(avro).as("%s '%s'", c.sqlType(), text)
                            .isEqualTo(c.jdbc().read(rs, text));
                }
                assertThat(rows).isEqualTo(c.literals().size());
            }
        }
        return texts;
    }

    private static int epochDay(LocalDate d) {
        // pgjdbc's sentinels for 'infinity' dates; pgwal's are Integer.MAX_VALUE / MIN_VALUE.
        if (d.equals(LocalDate.MAX)) {
            return Integer.MAX_VALUE;
        }
        return d.equals(LocalDate.MIN) ? Integer.MIN_VALUE : Math.toIntExact(d.toEpochDay());
    }

    private static long timestamp(LocalDateTime t) {
        if (t.equals(LocalDateTime.MAX)) {
            return Long.MAX_VALUE;
        }
        return t.equals(LocalDateTime.MIN) ? Long.MIN_VALUE : micros(t);
    }

    private static long timestamptz(OffsetDateTime t) {
        if (t.equals(OffsetDateTime.MAX)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(OffsetDateTime.MIN)) {
            return Long.MIN_VALUE;
        }
        return PgTypeMappingTest.micros(t.withOffsetSameInstant(ZoneOffset.UTC));
    }
}
