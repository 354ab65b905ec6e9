package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code SELECT *} over a pgwal table with arrays (ARRAY, nested for more dimensions), a composite
 * (ROW), hstore (MAP), interval (ROW), money and numeric arrays (DECIMAL) and an enum (STRING);
 * a value with other dimensions than the column's is NULL (the default of {@code
 * values.unrepresentable}); declared types are checked recursively.
 */
class PgWalTableStructuredTypesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static final String COLUMNS = "id INT, a_int ARRAY<INT>, a_int2 ARRAY<ARRAY<INT>>,"
            + " a_num ARRAY<DECIMAL(10, 2)>, a_text ARRAY<STRING>,"
            + " addr ROW<street STRING, `no` INT, tags ARRAY<STRING>>, h MAP<STRING, STRING>,"
            + " iv ROW<months INT, days INT, micros BIGINT>, m DECIMAL(19, 2), e STRING";

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE EXTENSION hstore",
                "CREATE TYPE mood AS ENUM ('sad', 'ok')",
                "CREATE TYPE address AS (street text, no int, tags text[])",
                "CREATE TABLE st (id int PRIMARY KEY, a_int int[], a_int2 int[][],"
                        + " a_num numeric(10,2)[], a_text text[], addr address, h hstore,"
                        + " iv interval, m money, e mood)",
                "ALTER TABLE st REPLICA IDENTITY FULL",
                "CREATE PUBLICATION st_pub FOR TABLE st",
                "SELECT pg_create_logical_replication_slot('st_slot', 'pgoutput')");
    }

    @Test
    void structuredTypesArriveAsArrayRowAndMap() throws Exception {
        pg.execute("INSERT INTO st VALUES (1, '{1,NULL,3}', '{{1,2},{3,4}}', '{1.5,NULL}',"
                        + " '{\"a b\",NULL,\"\"}', ROW('Main St', 12, '{x,\"y z\"}'),"
                        + " 'k=>v, n=>NULL', '1 mon 2 days 00:00:01.5', '-1234.56', 'ok'),"
                        + " (2, '{}', '{}', '{}', '{}', ROW(NULL, NULL, NULL), '', '0', 0, 'sad'),"
                        + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                // Two dimensions in a one-dimensional column: PostgreSQL does not enforce them.
                "INSERT INTO st (id, a_int) VALUES (4, '{{1},{2}}')");
        String stop = currentLsn(pg);
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE st (" + COLUMNS + ") WITH ("
                + withOptions(pg, "st_slot", "st_pub", "st")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");

        List<Row> rows = collect(tEnv.executeSql("SELECT * FROM st"));

        Map<String, String> h = new LinkedHashMap<>();
        h.put("k", "v");
        h.put("n", null);
        assertThat(rows).containsExactly(
                Row.of(1, new Integer[] {1, null, 3}, new Integer[][] {{1, 2}, {3, 4}},
                        new BigDecimal[] {new BigDecimal("1.50"), null},
                        new String[] {"a b", null, ""},
                        Row.of("Main St", 12, new String[] {"x", "y z"}), h,
                        Row.of(1, 2, 1_500_000L), new BigDecimal("-1234.56"), "ok"),
                Row.of(2, new Integer[0], new Integer[0][], new BigDecimal[0], new String[0],
                        Row.of(null, null, null), Map.of(), Row.of(0, 0, 0L),
                        new BigDecimal("0.00"), "sad"),
                Row.of(3, null, null, null, null, null, null, null, null, null),
                Row.of(4, null, null, null, null, null, null, null, null, null));
    }

    @Test
    void declaredTypesAreCheckedRecursively() {
        for (String wrong : List.of(
                "a_int STRING", "a_int ARRAY<STRING>", "a_int2 ARRAY<INT>",
                "addr ROW<street STRING, `no` INT>", "addr ROW<street STRING, `nr` INT,"
                        + " tags ARRAY<STRING>>", "h MAP<STRING, INT>", "iv STRING",
                "m DECIMAL(18, 2)")) {
            StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
            tEnv.executeSql("CREATE TABLE st (id INT, " + wrong + ") WITH ("
                    + withOptions(pg, "st_slot", "st_pub", "st") + ")");
            assertThatThrownBy(() -> tEnv.executeSql("SELECT * FROM st").collect().close())
                    .as(wrong)
                    .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e,
                            ValidationException.class)).isPresent())
                    .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                            .contains("declare it as"));
        }
    }
}
