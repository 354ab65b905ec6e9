package io.pgwal.source;

import static io.pgwal.testing.Envelopes.commitLsn;
import static io.pgwal.testing.Envelopes.op;
import static io.pgwal.testing.Envelopes.source;
import static io.pgwal.testing.Envelopes.table;
import static io.pgwal.testing.Envelopes.txIndex;
import static io.pgwal.testing.Envelopes.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.testing.JdbcValues;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Inserts, updates, deletes and a truncate over several tables arrive through a real Flink job in
 * commit order, with typed Avro values equal to what JDBC reads back, unchanged TOAST values marked
 * (never written as values), and source metadata that orders every record.
 */
class PgWalSourceTypesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.executeScript("sql/types.sql");
        pg.execute("SELECT pg_create_logical_replication_slot('types_slot', 'pgoutput')");
    }

    @Test
    void changesArriveInCommitOrderWithTypedValues() throws Exception {
        Map<Integer, Map<String, Object>> insertedRows;
        Map<String, Object> updatedRow1;
        try (Connection a = pg.connect(); Connection b = pg.connect();
                Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            // tx 1: three rows of every type (typical, edge, all null)
            sa.execute("INSERT INTO all_types VALUES"
                    + " (1, true, 12, 123456, 1234567890123, 1.5, 2.25, 1234.50,"
                    + "  12345678901234567890.0123456789, 3.14159265358979323846264338327950288419,"
                    + "  'hello', 'varchar', 'ab', '\\x0001ff', '2024-02-29', '13:45:01.123456',"
                    + "  '2024-02-29 13:45:01.123456', '2024-02-29 13:45:01.123456+01',"
                    + "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', '{\"b\": {\"c\": null}}',"
                    + "  '1 day 02:03:04', '{1,2,3}'),"
                    + " (2, false, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity',"
                    + "  -9999999999.99, -1234567890123456789012345678.1234567890, -0.000000000000001,"
                    + "  E'quote '' \" back\\\\slash\\nnewline ünïcødé 🐘', '', 'xyzzy', '\\x',"
                    + "  '0044-03-15 BC', '00:00:00', '1900-01-01 00:00:00',"
                    + "  '1900-01-01 12:00:00 Europe/Amsterdam', '00000000-0000-0000-0000-000000000000',"
                    + "  '[]', '[]', '-3 mons', '{}'),"
                    + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    + "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
            a.commit();
            insertedRows = readAllTypes(a);
            // tx 2: two tables in one transaction; a large body stored out of line
            sa.execute("INSERT INTO accounts VALUES (10, 'ann', 100.00), (11, 'bob', 5.5)");
            sa.execute("INSERT INTO docs SELECT 1, 'first', string_agg(md5(i::text), '')"
                    + " FROM generate_series(1, 400) i");
            a.commit();
            // tx 3: update, delete (key-only and full before-images), unchanged TOAST
            sa.execute("UPDATE all_types SET c_text = 'changed', c_num = 0.01 WHERE id = 1");
            sa.execute("DELETE FROM all_types WHERE id = 3");
            sa.execute("UPDATE accounts SET balance = balance - 30 WHERE id = 10");
            sa.execute("DELETE FROM accounts WHERE id = 11");
            sa.execute("UPDATE docs SET title = 'renamed' WHERE id = 1");
            a.commit();
            updatedRow1 = readAllTypes(a).get(1);
            // tx 4 and 5: interleaved; b commits first, so its change must come first
            sa.execute("INSERT INTO accounts VALUES (20, 'started first', 1)");
            sb.execute("INSERT INTO accounts VALUES (21, 'committed first', 2)");
            b.commit();
            a.commit();
            // tx 6: truncate
            sa.execute("TRUNCATE accounts");
            a.commit();
        }
        LogSequenceNumber stop = pg.currentInsertLsn();

        List<GenericRecord> records = readUntil(stop);

        assertThat(records).extracting(r -> op(r) + " " + table(r) + " " + key(r)).containsExactly(
                "INSERT all_types 1", "INSERT all_types 2", "INSERT all_types 3",
                "INSERT accounts 10", "INSERT accounts 11", "INSERT docs 1",
                "UPDATE all_types 1", "DELETE all_types 3", "UPDATE accounts 10",
                "DELETE accounts 11", "UPDATE docs 1",
                "INSERT accounts 21", "INSERT accounts 20",
                "TRUNCATE accounts null");

        // Typed values equal what JDBC reads back, column by column.
        for (int id = 1; id <= 3; id++) {
            assertRowEquals(records.get(id - 1), "after", insertedRows.get(id));
        }
        assertRowEquals(records.get(6), "after", updatedRow1);
        assertThat(records.get(6).get(FieldName.BEFORE)).as("no old tuple with REPLICA IDENTITY DEFAULT").isNull();
        assertThat(value(records.get(7), "before", "id")).isEqualTo(3);
        assertThat(records.get(7).get(FieldName.AFTER)).isNull();
        // REPLICA IDENTITY FULL: whole before-images
        assertThat(value(records.get(8), "before", "balance")).isEqualTo(new java.math.BigDecimal("100.00"));
        assertThat(value(records.get(8), "after", "balance")).isEqualTo(new java.math.BigDecimal("70.00"));
        assertThat(value(records.get(9), "before", "owner")).isEqualTo("bob");
        // Unchanged TOAST: no placeholder value, the column is named instead.
        GenericRecord docUpdate = records.get(10);
        assertThat(value(docUpdate, "after", "title")).isEqualTo("renamed");
        assertThat(value(docUpdate, "after", "body")).isNull();
        assertThat(docUpdate.get(FieldName.UNCHANGED_TOAST).toString()).isEqualTo("[body]");
        assertThat(((String) value(records.get(5), "after", "body"))).hasSize(400 * 32);

        // Source metadata: (commit_lsn, tx_index) strictly increases; transactions are numbered 0..n-1.
        long previousCommit = 0;
        int expectedIndex = 0;
        for (GenericRecord r : records) {
            GenericRecord src = source(r);
            assertThat(src.get(SourceField.DB).toString()).isEqualTo("postgres");
            assertThat(src.get(SourceField.SCHEMA).toString()).isEqualTo("public");
            assertThat((Long) src.get(SourceField.TXID)).isPositive();
            assertThat(Long.compareUnsigned((Long) src.get(SourceField.LSN), commitLsn(r))).isLessThan(0);
            Instant commitTime = (Instant) io.pgwal.testing.Envelopes.toJava(
                    src.getSchema().getField("commit_ts").schema(), src.get(SourceField.COMMIT_TS));
            assertThat(Duration.between(commitTime, Instant.now()).abs()).isLessThan(Duration.ofMinutes(5));
            if (commitLsn(r) != previousCommit) {
                assertThat(Long.compareUnsigned(commitLsn(r), previousCommit)).isGreaterThan(0);
                previousCommit = commitLsn(r);
                expectedIndex = 0;
            }
            assertThat(txIndex(r)).isEqualTo(expectedIndex++);
        }
    }

    private static Object key(GenericRecord r) {
        if (r.get(FieldName.AFTER) != null) {
            return value(r, "after", "id");
        }
        return r.get(FieldName.BEFORE) == null ? null : value(r, "before", "id");
    }

    private static void assertRowEquals(GenericRecord envelope, String image, Map<String, Object> expected) {
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object actual = value(envelope, image, e.getKey());
            if (e.getValue() instanceof byte[] bytes) {
                assertThat((byte[]) actual).as(e.getKey()).isEqualTo(bytes);
            } else if (e.getValue() instanceof Short s) {
                assertThat(actual).as(e.getKey()).isEqualTo((int) s);
            } else {
                assertThat(actual).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    /** all_types rows as JDBC's typed values: what a correct mapping must reproduce. */
    private static Map<Integer, Map<String, Object>> readAllTypes(Connection c) throws Exception {
        Map<Integer, Map<String, Object>> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM all_types ORDER BY id")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnName(i), jdbcValue(rs, i, md.getColumnTypeName(i)));
                }
                rows.put(rs.getInt("id"), row);
            }
        }
        c.commit();
        return rows;
    }

    private static Object jdbcValue(ResultSet rs, int i, String type) throws Exception {
        Object v = switch (type) {
            case "bool" -> rs.getBoolean(i);
            case "int2" -> rs.getShort(i);
            case "int4" -> rs.getInt(i);
            case "int8" -> rs.getLong(i);
            case "float4" -> rs.getFloat(i);
            case "float8" -> rs.getDouble(i);
            case "numeric" -> rs.getMetaData().getScale(i) > 0 || rs.getMetaData().getPrecision(i) > 0
                    && rs.getMetaData().getPrecision(i) < 1000 ? rs.getBigDecimal(i) : rs.getString(i);
            case "bytea" -> rs.getBytes(i);
            case "interval" -> rs.getObject(i) == null ? null
                    : JdbcValues.interval((org.postgresql.util.PGInterval) rs.getObject(i));
            case "_int4" -> JdbcValues.array(rs.getArray(i));
            case "date" -> rs.getObject(i, LocalDate.class);
            case "time" -> rs.getObject(i, LocalTime.class);
            case "timestamp" -> rs.getObject(i, LocalDateTime.class);
            case "timestamptz" -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                yield t == null ? null : t.toInstant();
            }
            default -> rs.getString(i);
        };
        return rs.wasNull() ? null : v;
    }

    private static List<GenericRecord> readUntil(LogSequenceNumber stop) throws Exception {
        PgWalSource source = pg.sourceBuilder("types_slot", "types_pub")
                .stopAtLsn(stop)
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }
}
