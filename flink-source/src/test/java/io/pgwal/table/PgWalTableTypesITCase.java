package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.TOASTED_LENGTH;
import static io.pgwal.table.SqlTestSupport.TOASTED_TEXT;
import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.materialize;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code SELECT *} over pgwal tables: every supported type arrives with its value and the right
 * row kinds (retract mode, REPLICA IDENTITY FULL); unchanged TOAST values are completed in both
 * modes, including across a primary key change; and a TOAST value the job cannot know fails the
 * job instead of turning into NULL.
 */
class PgWalTableTypesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();


    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE typed (id int PRIMARY KEY, c_bool boolean, c_int2 smallint,"
                        + " c_int4 integer, c_int8 bigint, c_float4 real, c_float8 double precision,"
                        + " c_num numeric(12, 2), c_num_free numeric, c_text text, c_varchar varchar(20),"
                        + " c_char char(5), c_bytea bytea, c_date date, c_time time, c_ts timestamp,"
                        + " c_tstz timestamptz, c_uuid uuid, c_json json, c_jsonb jsonb,"
                        + " c_interval interval, c_arr int[])",
                "ALTER TABLE typed REPLICA IDENTITY FULL",
                "CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "CREATE TABLE docs_full (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE docs_full REPLICA IDENTITY FULL",
                "CREATE TABLE docs_old (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)");
        for (String t : List.of("docs", "docs_full", "docs_old")) {
            // Out of line and uncompressed, so that an UPDATE not touching body leaves it unsent.
            pg.execute("ALTER TABLE " + t + " ALTER COLUMN body SET STORAGE EXTERNAL");
        }
        pg.execute("INSERT INTO docs_old VALUES (1, 'old', " + TOASTED_TEXT + ")",
                "CREATE PUBLICATION sql_pub FOR TABLE typed, docs, docs_full, docs_old");
        for (String t : List.of("typed", "docs", "docs_full", "docs_old")) {
            pg.execute("SELECT pg_create_logical_replication_slot('" + t + "_slot', 'pgoutput')");
        }
    }

    @Test
    void everyTypeArrivesWithRetractRowKinds() throws Exception {
        pg.execute("INSERT INTO typed VALUES"
                + " (1, true, 12, 123456, 1234567890123, 1.5, 2.25, 1234.50,"
                + "  3.14159265358979323846264338327950288419, 'hello', 'varchar', 'ab',"
                + "  '\\x0001ff', '2024-02-29', '13:45:01.123456', '2024-02-29 13:45:01.123456',"
                + "  '2024-02-29 13:45:01.123456+01', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
                + "  '{\"a\": [1, 2]}', '{\"b\": {\"c\": null}}', '1 day 02:03:04', '{1,2,3}'),"
                + " (2, false, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity',"
                + "  -9999999999.99, 'NaN', E'quote '' \" back\\\\slash\\nnewline \u00fcn\u00efc\u00f8d\u00e9',"
                + "  '', 'xyzzy', '\\x', '1900-01-01', '00:00:00', '1900-01-01 00:00:00',"
                + "  '1900-01-01 12:00:00+00', '00000000-0000-0000-0000-000000000000', '[]', '[]',"
                + "  '-3 mons', '{}'),"
                + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                + "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
        pg.execute("BEGIN; UPDATE typed SET c_text = 'changed', c_num = 0.01 WHERE id = 1;"
                + " DELETE FROM typed WHERE id = 3; COMMIT");
        String stop = currentLsn(pg);

        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE typed (id INT, c_bool BOOLEAN, c_int2 SMALLINT, c_int4 INT,"
                + " c_int8 BIGINT, c_float4 FLOAT, c_float8 DOUBLE, c_num DECIMAL(12, 2),"
                + " c_num_free STRING, c_text STRING, c_varchar VARCHAR(20), c_char STRING, c_bytea BYTES,"
                + " c_date DATE, c_time TIME(3), c_ts TIMESTAMP(6), c_tstz TIMESTAMP_LTZ(6), c_uuid STRING,"
                + " c_json STRING, c_jsonb STRING, c_interval ROW<months INT, days INT, micros BIGINT>,"
                + " c_arr ARRAY<INT>) WITH ("
                + withOptions(pg, "typed_slot", "sql_pub", "typed")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");
        List<Row> rows = collect(tEnv.executeSql("SELECT * FROM typed"));

        Row one = Row.ofKind(RowKind.INSERT, 1, true, (short) 12, 123456, 1234567890123L, 1.5f, 2.25d,
                new BigDecimal("1234.50"), "3.14159265358979323846264338327950288419", "hello", "varchar",
                "ab   ", new byte[] {0, 1, (byte) 0xff}, LocalDate.of(2024, 2, 29),
                LocalTime.of(13, 45, 1, 123_000_000), LocalDateTime.of(2024, 2, 29, 13, 45, 1, 123_456_000),
                Instant.parse("2024-02-29T12:45:01.123456Z"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "{\"a\": [1, 2]}", "{\"b\": {\"c\": null}}",
                Row.of(0, 1, ((2 * 60 + 3) * 60 + 4) * 1_000_000L), new Integer[] {1, 2, 3});
        Row two = Row.ofKind(RowKind.INSERT, 2, false, (short) -32768, Integer.MIN_VALUE, Long.MIN_VALUE,
                Float.NaN, Double.NEGATIVE_INFINITY, new BigDecimal("-9999999999.99"), "NaN",
                "quote ' \" back\\slash\nnewline \u00fcn\u00efc\u00f8d\u00e9", "", "xyzzy", new byte[0],
                LocalDate.of(1900, 1, 1), LocalTime.MIDNIGHT, LocalDateTime.of(1900, 1, 1, 0, 0),
                Instant.parse("1900-01-01T12:00:00Z"), "00000000-0000-0000-0000-000000000000", "[]", "[]",
                Row.of(-3, 0, 0L), new Integer[0]);
        Row three = Row.ofKind(RowKind.INSERT, 3, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
        Row oneBefore = Row.copy(one);
        oneBefore.setKind(RowKind.UPDATE_BEFORE);
        Row oneAfter = Row.copy(one);
        oneAfter.setKind(RowKind.UPDATE_AFTER);
        oneAfter.setField(9, "changed");
        oneAfter.setField(7, new BigDecimal("0.01"));
        Row threeDeleted = Row.copy(three);
        threeDeleted.setKind(RowKind.DELETE);

        assertThat(rows).containsExactly(one, two, three, oneBefore, oneAfter, threeDeleted);
    }

    @Test
    void unchangedToastIsCompletedInUpsertMode() throws Exception {
        List<Row> rows = runDocsWorkload("docs", "PRIMARY KEY (id) NOT ENFORCED");

        // Whatever the planner adds after the upsert source, no row may lose its body.
        assertThat(rows).allSatisfy(r -> assertThat(r.getField(2)).as(r.toString()).isNotNull());
        assertThat(rows).filteredOn(r -> r.getKind() == RowKind.INSERT || r.getKind() == RowKind.UPDATE_AFTER)
                .extracting(Row::toString).containsExactly(
                        "+I[1, first, " + TOASTED_LENGTH + "]", "+I[2, second, 6]", "+U[1, renamed, " + TOASTED_LENGTH + "]",
                        "+I[10, renamed, " + TOASTED_LENGTH + "]", "+I[3, second, 6]");
        Map<Object, Row> end = materialize(rows, 0, true);
        assertThat(end.values()).extracting(Row::toString).containsExactly("+I[3, second, 6]");
    }

    @Test
    void unchangedToastIsCompletedFromFullBeforeImages() throws Exception {
        List<Row> rows = runDocsWorkload("docs_full", "");

        assertThat(rows).extracting(Row::toString).containsExactly(
                "+I[1, first, " + TOASTED_LENGTH + "]", "+I[2, second, 6]",
                "-U[1, first, " + TOASTED_LENGTH + "]", "+U[1, renamed, " + TOASTED_LENGTH + "]",
                "-U[1, renamed, " + TOASTED_LENGTH + "]", "+U[10, renamed, " + TOASTED_LENGTH + "]",
                "-U[2, second, 6]", "+U[3, second, 6]",
                "-D[10, renamed, " + TOASTED_LENGTH + "]");
    }

    @Test
    void unknownToastValueFailsTheJob() throws Exception {
        // The row was inserted before the slot existed: its body is known to no one but the table.
        pg.execute("UPDATE docs_old SET title = 'renamed' WHERE id = 1");
        String stop = currentLsn(pg);
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE docs_old (id INT, title STRING, body STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH (" + withOptions(pg, "docs_old_slot", "sql_pub", "docs_old")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");

        assertThatThrownBy(() -> collect(tEnv.executeSql("SELECT * FROM docs_old")))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("did not send the unchanged TOAST value of 'body'")
                        .contains("REPLICA IDENTITY FULL"));
    }

    /** Insert, title-only update (body unsent), key change, key change, delete; body as length. */
    private static List<Row> runDocsWorkload(String table, String primaryKey) throws Exception {
        pg.execute("INSERT INTO " + table + " VALUES (1, 'first', " + TOASTED_TEXT + ")",
                "INSERT INTO " + table + " VALUES (2, 'second', 'small!')",
                "UPDATE " + table + " SET title = 'renamed' WHERE id = 1",
                "UPDATE " + table + " SET id = 10 WHERE id = 1",
                "UPDATE " + table + " SET id = 3 WHERE id = 2",
                "DELETE FROM " + table + " WHERE id = 10");
        String stop = currentLsn(pg);
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE " + table + " (id INT, title STRING, body STRING"
                + (primaryKey.isEmpty() ? "" : ", " + primaryKey) + ") WITH ("
                + withOptions(pg, table + "_slot", "sql_pub", table)
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");
        return collect(tEnv.executeSql("SELECT id, title, CHAR_LENGTH(body) FROM " + table));
    }
}
