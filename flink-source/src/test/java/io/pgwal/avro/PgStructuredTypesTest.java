package io.pgwal.avro;

import static io.pgwal.avro.PgTypeMappingTest.convert;
import static io.pgwal.avro.PgTypeMappingTest.normalize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgTypeInfo;
import io.pgwal.catalog.PgTypes;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven: the text output of arrays, enums, composites and hstore → Avro schema and value,
 * and the values a schema cannot hold (other dimensions, lower bounds, altered composites).
 */
class PgStructuredTypesTest {

    static final PgTypeInfo INT4 = PgTypeInfo.scalar(PgTypes.INT4, -1);
    static final PgTypeInfo TEXT = PgTypeInfo.scalar(PgTypes.TEXT, -1);
    static final PgTypeInfo MOOD = PgTypeInfo.enumType(16500, "mood", List.of("sad", "ok"));
    static final PgTypeInfo ADDRESS = PgTypeInfo.composite(16600, "public.address", List.of(
            new PgTypeInfo.Attribute("street", TEXT),
            new PgTypeInfo.Attribute("no", INT4),
            new PgTypeInfo.Attribute("tags", PgTypeInfo.array(1009, "_text", TEXT, 1, ','))));

    static PgTypeInfo array(PgTypeInfo element, int dims) {
        return PgTypeInfo.array(1, "_x", element, dims, ',');
    }

    static List<Object> list(Object... items) {
        return Arrays.asList(items);
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static Stream<Arguments> values() {
        PgTypeInfo numeric = PgTypeInfo.scalar(PgTypes.NUMERIC, ((10 << 16) | 2) + 4);
        PgTypeInfo box = PgTypeInfo.scalar(603, -1, "box");
        return Stream.of(
                Arguments.of(array(INT4, 1), "{1,NULL,3}", list(1, null, 3)),
                Arguments.of(array(INT4, 1), "{}", list()),
                Arguments.of(array(INT4, 2), "{{1,2},{3,NULL}}", list(list(1, 2), list(3, null))),
                Arguments.of(array(INT4, 2), "{}", list()),
                Arguments.of(array(INT4, 3), "{{{1},{2}}}", list(list(list(1), list(2)))),
                Arguments.of(array(TEXT, 1), "{\"a b\",\"NULL\",NULL,\"\",\"q\\\"\\\\x\",é,\"{}\"}",
                        list("a b", "NULL", null, "", "q\"\\x", "é", "{}")),
                Arguments.of(array(numeric, 1), "{1.50,-2.00}",
                        list(new BigDecimal("1.50"), new BigDecimal("-2.00"))),
                Arguments.of(PgTypeInfo.array(1020, "_box", box, 1, ';'),
                        "{(1,1),(0,0);(2,2),(1,1)}", list("(1,1),(0,0)", "(2,2),(1,1)")),
                Arguments.of(array(MOOD, 1), "{sad,ok}", list("sad", "ok")),
                Arguments.of(MOOD, "ok", "ok"),
                Arguments.of(ADDRESS, "(\"Main St\",12,\"{a,\"\"b c\"\"}\")",
                        list("Main St", 12, list("a", "b c"))),
                Arguments.of(ADDRESS, "(,,)", list(null, null, null)),
                Arguments.of(ADDRESS, "(\"\",0,{})", list("", 0, list())),
                Arguments.of(ADDRESS, "(\"a\\\\b \"\"q\"\"\",1,)", list("a\\b \"q\"", 1, null)),
                Arguments.of(array(ADDRESS, 1), "{\"(x,1,)\",NULL}",
                        list(list("x", 1, null), null)),
                Arguments.of(PgTypeInfo.hstore(16700, "hstore"),
                        "\"a\"=>\"1\", \"b c\"=>NULL, \"q\\\"\"=>\"\\\\\"",
                        map("a", "1", "b c", null, "q\"", "\\")),
                Arguments.of(PgTypeInfo.hstore(16700, "hstore"), "", map()));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("values")
    void convertsTextToAvro(PgTypeInfo type, String text, Object expected) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(type, "c");
        assertThat(normalize(convert(m, text), m.schema())).isEqualTo(expected);
    }

    /** Arrays, composites, maps and enums survive the serializer's copy, sharing nothing mutable. */
    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("values")
    void copiesAreDeep(PgTypeInfo type, String text, Object expected) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(type, "c");
        Schema record = Schema.createRecord("r", null, "test", false, List.of(
                new Schema.Field("c", PgWalSchemas.nullable(m.schema()))));
        org.apache.avro.generic.GenericData.Record r =
                new org.apache.avro.generic.GenericData.Record(record);
        r.put(0, convert(m, text));
        CopyChecks.assertIndependentCopy(r, new PgWalAvroSerializer().copy(r));
    }

    @Test
    void schemasFollowTheStructure() {
        Schema twoDims = PgTypeMapping.map(array(INT4, 2), "c").schema();
        assertThat(twoDims.toString()).isEqualTo(
                "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":[\"null\",\"int\"]}}");
        assertThat(PgTypeMapping.map(MOOD, "c").schema().toString())
                .isEqualTo("{\"type\":\"string\",\"pg.enum_labels\":[\"sad\",\"ok\"]}");
        Schema address = PgTypeMapping.map(ADDRESS, "c").schema();
        assertThat(address.getFullName()).isEqualTo("pgwal.types.public_address");
        assertThat(address.getField("tags").schema().toString())
                .isEqualTo("[\"null\",{\"type\":\"array\",\"items\":[\"null\",\"string\"]}]");
        assertThat(address.getField("no").getProp("pg.name")).isEqualTo("no");
        assertThat(PgTypeMapping.map(PgTypeInfo.hstore(1, "hstore"), "c").schema().toString())
                .isEqualTo("{\"type\":\"map\",\"values\":[\"null\",\"string\"]}");
    }

    static Stream<Arguments> unrepresentable() {
        return Stream.of(
                Arguments.of(array(INT4, 1), "{{1,2},{3,4}}", "1 dimension"),
                Arguments.of(array(INT4, 2), "{1,2}", "2 dimension"),
                Arguments.of(array(INT4, 1), "[2:3]={1,2}", "lower bounds"),
                Arguments.of(ADDRESS, "(a,1)", "3 attributes"),
                Arguments.of(ADDRESS, "(a,1,{},x)", "3 attributes"),
                // An element's own unrepresentable value makes the whole array one.
                Arguments.of(array(PgTypeInfo.scalar(PgTypes.NUMERIC, ((10 << 16) | 2) + 4), 1),
                        "{1.00,NaN}", "NaN"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("unrepresentable")
    void valuesTheSchemaCannotHoldAreUnrepresentable(PgTypeInfo type, String text, String why) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(type, "the_col");
        assertThatThrownBy(() -> convert(m, text))
                .isInstanceOf(UnrepresentableValueException.class)
                .hasMessageContaining("\"the_col")
                .hasMessageContaining(why)
                .satisfies(e -> assertThat(((UnrepresentableValueException) e).value())
                        .isNotEmpty());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(array(INT4, 1), "{1,2"),
                Arguments.of(array(INT4, 1), "{1,x}"),
                Arguments.of(array(TEXT, 1), "{\"open}"),
                Arguments.of(ADDRESS, "(\"open,1,)"),
                Arguments.of(ADDRESS, "a,1,"),
                Arguments.of(PgTypeInfo.hstore(1, "hstore"), "\"a\"=\"b\""),
                Arguments.of(PgTypeInfo.hstore(1, "hstore"), "\"a\"=>\"b"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void malformedTextIsAnErrorNamingTheColumn(PgTypeInfo type, String text) {
        PgTypeMapping.Mapping m = PgTypeMapping.map(type, "the_col");
        assertThatThrownBy(() -> convert(m, text))
                .isInstanceOf(PgWalException.class)
                .isNotInstanceOf(UnrepresentableValueException.class)
                .hasMessageContaining("\"the_col");
    }
}
