package io.pgwal.source;

import static io.pgwal.testing.Envelopes.op;
import static io.pgwal.testing.Envelopes.table;
import static io.pgwal.testing.Envelopes.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.testing.JdbcValues;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PGInterval;

/**
 * On PostgreSQL 14, 15, 16, 17 and 18, every type pgwal maps by structure (arrays, enums, domains,
 * interval, money, composites, hstore) and every type it sends as text arrives, in the stream
 * (INSERT) and in the snapshot (READ, from COPY), equal to the value JDBC reads back; and the
 * snapshot reads exactly the columns the stream sends: a publication's column list (15+) and
 * PostgreSQL 18's published stored generated columns.
 */
class PgWalTypesMajorsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    /** How JDBC reads a column's value back, in the shape of {@code Envelopes.toJava}. */
    interface Read {
        Object read(ResultSet rs, int i) throws SQLException;
    }

    /** A column: name, type, the JDBC select expression for it, how to read it, two literals. */
    record Col(String name, String type, String select, Read read, String v1, String v2) {}

    static final Read STRING = ResultSet::getString;
    static final Read ARRAY = (rs, i) -> JdbcValues.array(rs.getArray(i));

    static Col text(String name, String type, String v1, String v2) {
        return new Col(name, type, name, STRING, v1, v2);
    }

    static final List<Col> COLUMNS = List.of(
            new Col("a_int", "int[]", "a_int", ARRAY, "'{1,NULL,3}'", "'{}'"),
            new Col("a_int2", "int[][]", "a_int2", ARRAY, "'{{1,2},{3,NULL}}'", "'{}'"),
            new Col("a_text", "text[]", "a_text", ARRAY,
                    "ARRAY['a b', 'NULL', NULL, '', 'q\"\\x', 'ü{}', ',']", "'{}'"),
            new Col("a_num", "numeric(10,2)[]", "a_num", ARRAY, "'{1.5,-2}'", "'{NULL}'"),
            new Col("a_mood", "mood[]", "a_mood::text[]", ARRAY, "'{sad,happy}'", "'{}'"),
            new Col("a_price", "price[]", "a_price::numeric(10,2)[]", ARRAY, "'{9.99,NULL}'",
                    "'{}'"),
            new Col("a_box", "box[]", "a_box::text[]", ARRAY, "'{(1,1),(0,0);(2,2),(1,1)}'",
                    "'{}'"),
            new Col("e", "mood", "e", STRING, "'ok'", "'sad'"),
            new Col("p", "price", "p", ResultSet::getBigDecimal, "1.5", "-99999999.99"),
            new Col("iv", "interval", "iv",
                    (rs, i) -> rs.getObject(i) == null ? null
                            : JdbcValues.interval((PGInterval) rs.getObject(i)),
                    "'1 year 2 mons 3 days 04:05:06.5'", "'-1 day -00:00:01.5'"),
            new Col("m", "money", "m::numeric", ResultSet::getBigDecimal, "'1234567.89'",
                    "'-92233720368547758.08'"),
            new Col("addr", "address", "addr", null, "ROW('Main \"St\"', 12, '{a,b c}', 1.5)",
                    "ROW(NULL, NULL, '{}', NULL)"),
            new Col("h", "hstore", "h", (rs, i) -> rs.getObject(i),
                    "'a=>1, \"b c\"=>NULL, \"q\\\"\"=>\"\\\\\"'", "''"),
            text("c_inet", "inet", "'192.168.0.1/24'", "'::1'"),
            text("c_cidr", "cidr", "'10.0.0.0/8'", "'2001:db8::/32'"),
            text("c_mac", "macaddr", "'08:00:2b:01:02:03'", "'00:00:00:00:00:00'"),
            text("c_mac8", "macaddr8", "'08:00:2b:01:02:03:04:05'", "'00:00:00:ff:fe:00:00:00'"),
            text("c_bit", "bit(4)", "B'1010'", "B'0000'"),
            text("c_varbit", "varbit", "B'101'", "B''"),
            text("c_point", "point", "'(1.5,-2)'", "'(0,0)'"),
            text("c_line", "line", "'{1,-1,0}'", "'{0,1,2}'"),
            text("c_lseg", "lseg", "'[(0,0),(1,1)]'", "'[(1,2),(3,4)]'"),
            text("c_box", "box", "'(1,1),(0,0)'", "'(2,2),(1,1)'"),
            text("c_path", "path", "'[(0,0),(1,1),(2,0)]'", "'((0,0),(1,1))'"),
            text("c_polygon", "polygon", "'((0,0),(1,1),(1,0))'", "'((0,0))'"),
            text("c_circle", "circle", "'<(0,0),1.5>'", "'<(1,1),0>'"),
            text("c_range", "int4range", "'[1,10)'", "'empty'"),
            text("c_numrange", "numrange", "'(1.5,2.5]'", "'(,)'"),
            text("c_tsrange", "tstzrange", "'[2024-01-01 00:00+00,2024-02-01 00:00+00)'",
                    "'[2024-01-01 00:00+00,)'"),
            text("c_multirange", "int4multirange", "'{[1,3), [5,7)}'", "'{}'"),
            text("c_xml", "xml", "'<a x=\"1\">t &amp; u</a>'", "'text only'"),
            text("c_tsv", "tsvector", "'a fat cat sat on a mat'", "''"),
            text("c_tsq", "tsquery", "'fat & (rat | cat)'", "'a'"),
            text("c_timetz", "timetz", "'12:34:56.789+05:45'", "'00:00-12'"));

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 15, 16, 0, 18})
    void everyTypeEqualsJdbcInStreamAndSnapshot(int major) throws Exception {
        try (TestPostgres pg = TestPostgres.start(major, Map.of())) {
            int version = pg.majorVersion();
            StringBuilder create = new StringBuilder("CREATE TABLE typed (id int PRIMARY KEY");
            COLUMNS.forEach(c -> create.append(", ").append(c.name()).append(' ').append(c.type()));
            pg.execute("CREATE EXTENSION hstore",
                    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
                    "CREATE DOMAIN price AS numeric(10,2)",
                    "CREATE TYPE address AS (street text, no int, tags text[], p price)",
                    create + ")",
                    "CREATE TABLE gen (id int PRIMARY KEY, a int,"
                            + " g int GENERATED ALWAYS AS (a * 2) STORED)",
                    "CREATE TABLE cl (id int PRIMARY KEY, a text, secret text)",
                    "CREATE PUBLICATION types_pub FOR TABLE typed, gen, "
                            + (version >= 15 ? "cl (id, a)" : "cl")
                            + (version >= 18 ? " WITH (publish_generated_columns = stored)" : ""),
                    "SELECT pg_create_logical_replication_slot('types_slot', 'pgoutput')");
            List<String> v1 = COLUMNS.stream().map(Col::v1).toList();
            List<String> v2 = COLUMNS.stream().map(Col::v2).toList();
            pg.execute("INSERT INTO typed VALUES (1, " + String.join(", ", v1) + "), (2, "
                            + String.join(", ", v2) + "), (3" + ", NULL".repeat(COLUMNS.size())
                            + ")",
                    "INSERT INTO gen (id, a) VALUES (1, 21)",
                    "INSERT INTO cl VALUES (1, 'shown', 'not published')");
            List<GenericRecord> records = read(pg);

            Map<Integer, Map<String, Object>> expected = readTyped(pg);
            for (String operation : List.of("INSERT", "READ")) {
                List<GenericRecord> typed = records.stream().filter(r -> op(r).equals(operation)
                        && table(r).equals("typed")).toList();
                assertThat(typed).as(operation).hasSize(3);
                for (GenericRecord r : typed) {
                    Map<String, Object> row = expected.get((Integer) value(r, "after", "id"));
                    for (Col c : COLUMNS) {
                        assertThat(value(r, "after", c.name()))
                                .as("%s %s on %s", operation, c.name(), version)
                                .isEqualTo(row.get(c.name()));
                    }
                }
                Schema row = ((GenericRecord) typed.get(0).get(FieldName.AFTER)).getSchema();
                assertThat(row.getField("e").schema().getTypes().get(1).getObjectProp(
                        "pg.enum_labels")).isEqualTo(List.of("sad", "ok", "happy"));
                assertThat(after(records, operation, "gen")).isEqualTo(version >= 18
                        ? List.of(1, 21, 42) : List.of(1, 21));
                assertThat(after(records, operation, "cl")).isEqualTo(version >= 15
                        ? List.of(1, "shown") : List.of(1, "shown", "not published"));
            }
        }
    }

    /** The one {@code after} row of a table's records of one op, as its field values. */
    private static List<Object> after(List<GenericRecord> records, String op, String table) {
        List<GenericRecord> matching = records.stream()
                .filter(r -> op(r).equals(op) && table(r).equals(table)).toList();
        assertThat(matching).as("%s %s", op, table).hasSize(1);
        GenericRecord row = (GenericRecord) matching.get(0).get(FieldName.AFTER);
        List<Object> values = new ArrayList<>();
        row.getSchema().getFields().forEach(f -> values.add(value(matching.get(0), "after",
                f.name())));
        return values;
    }

    /** The stream (to the current LSN) and a snapshot of the publication's tables, in one job. */
    private static List<GenericRecord> read(TestPostgres pg) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PgWalSource stream = pg.sourceBuilder("types_slot", "types_pub")
                .stopAtLsn(pg.currentInsertLsn()).build();
        PgWalSource snapshot = pg.sourceBuilder("unused_slot", "types_pub")
                .startupMode(StartupMode.SNAPSHOT).build();
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env
                .fromSource(stream, WatermarkStrategy.noWatermarks(), "stream")
                .union(env.fromSource(snapshot, WatermarkStrategy.noWatermarks(), "snapshot"))
                .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Every typed row as JDBC reads it, by id and column name. */
    private static Map<Integer, Map<String, Object>> readTyped(TestPostgres pg) throws Exception {
        StringBuilder select = new StringBuilder("SELECT id");
        COLUMNS.forEach(c -> select.append(", ").append(c.select()));
        select.append(", addr IS NULL, (addr).street, (addr).no, (addr).tags, (addr).p FROM typed");
        Map<Integer, Map<String, Object>> rows = new LinkedHashMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(select.toString())) {
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < COLUMNS.size(); i++) {
                    Col col = COLUMNS.get(i);
                    if (col.read() != null) {
                        Object v = col.read().read(rs, i + 2);
                        row.put(col.name(), rs.wasNull() ? null : v);
                    }
                }
                int a = COLUMNS.size() + 2;
                row.put("addr", rs.getBoolean(a) ? null : Arrays.asList(rs.getString(a + 1),
                        (Integer) rs.getObject(a + 2), JdbcValues.array(rs.getArray(a + 3)),
                        rs.getBigDecimal(a + 4)));
                rows.put(rs.getInt(1), row);
            }
        }
        return rows;
    }
}
