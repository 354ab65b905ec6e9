package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.UnrepresentableValues;
import io.pgwal.catalog.JdbcCatalogLookup;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import io.pgwal.testing.TestPostgres;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A table whose columns are all of scalar types pgwal reads in binary is read with {@code COPY
 * ... (FORMAT binary)}, and every value, edge values included (NULLs, ±infinity, NaN, the ends
 * of each type's range, text COPY escapes, padded char, unrepresentable values), converts to
 * exactly the Avro value that the same rows read in text give; a table with one other column is
 * read in text.
 */
class SnapshotBinaryCopyITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    private static final String COLUMNS = "id int8 PRIMARY KEY, b bool, i2 int2, i4 int4, o oid,"
            + " f4 float4, f8 float8, n numeric(12,2), nu numeric, nbig numeric(38,10),"
            + " t text, vc varchar(10), bc char(5), nm name, js json, jb jsonb, u uuid,"
            + " by bytea, d date, tm time, ts timestamp, tz timestamptz, dp price, dl posint";

    /** Values of every column but id, one row each; NULL rows and generated rows come too. */
    private static final List<String> ROWS = List.of(
            "true, -32768, -2147483648, 4294967295, 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'a', 'b',"
                    + " 'ab', 'n', '{\"a\" : [1, 2]}', '{\"b\": {\"c\": null}}',"
                    + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', 'infinity',"
                    + " '24:00:00', 'infinity', 'infinity', 0, 1",
            "false, 32767, 2147483647, 0, 'Infinity', 'Infinity', -9999999999.99,"
                    + " 'Infinity', -9999999999999999999999999999.9999999999, '', '',"
                    + " '', '', '[]', '[]', '00000000-0000-0000-0000-000000000000', '',"
                    + " '-infinity', '00:00:00', '-infinity', '-infinity', -99999999.99,"
                    + " 9223372036854775807",
            "true, 0, 0, 1, '-Infinity', '-Infinity', 0, '-Infinity', 0, E'tab\\there\\nnl\\\\bs',"
                    + " 'Süd €', 'äb', 'x y', '\"s\"', '\"s\"', 'ffffffff-ffff-ffff-ffff-ffffffffffff',"
                    + " '\\x5c0a09', '4713-01-01 BC', '23:59:59.999999', '4713-01-01 00:00:00 BC',"
                    + " '4713-01-01 00:00:00+00 BC', 0.01, 0",
            "true, 1, 1, 2, '-0', '-0', 0.01, 0.000000000000000000000000000001, 0.0000000001,"
                    + " 'x', 'x', 'x', 'x', 'null', 'null', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',"
                    + " '\\x', '5874897-12-31', '12:34:56.5', '294276-12-31 23:59:59.999999',"
                    + " '294276-12-31 23:59:59.999999+00', 1, 2",
            "true, 1, 1, 2, 1.4e-45, 4.9e-324, -0.01, 123456789012345678901234567890.123456789,"
                    + " 1234567890123456789012345678.0000000001, 'x', 'x', 'x', 'x', '1', '1.50',"
                    + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '\\xdeadbeef', '2000-01-01',"
                    + " '00:00:00.000001', '2000-01-01 00:00:00', '1970-01-01 00:00:00+00', 1, 3",
            "true, 1, 1, 2, 3.4028235e38, 1.7976931348623157e308, 10000, 10000, 10000, 'x', 'x',"
                    + " 'x', 'x', '{}', '{}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', '\\x00',"
                    + " '1999-12-31', '01:00:00', '1999-12-31 23:59:59.999999',"
                    + " '1969-12-31 23:59:59.999999-05:30', 1000, 4",
            "true, 1, 1, 2, 0.1, 0.1, 0.5, -0.5, -0.5, 'x', 'x', 'x', 'x', '{}', '{}',"
                    + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15', '\\x00', '0001-01-01', '01:00:00',"
                    + " '0001-12-31 23:59:59 BC', '2026-11-30 12:00:00.123456+14', 1000, 5");

    @Test
    void everyBinaryValueEqualsTheTextValueOfTheSameRow() throws Exception {
        pg.execute("CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= -99999999.99)",
                "CREATE DOMAIN posint AS int8 CHECK (VALUE >= 0)",
                "CREATE TABLE bin_all (" + COLUMNS + ")");
        for (int i = 0; i < ROWS.size(); i++) {
            pg.execute("INSERT INTO bin_all VALUES (" + (i + 1) + ", " + ROWS.get(i) + ")");
        }
        pg.execute("INSERT INTO bin_all (id) VALUES (1000)",
                // A NaN computed on the server, whose bits may differ from the text NaN's.
                "INSERT INTO bin_all (id, f4, f8) VALUES (1001, 'Infinity'::float4"
                        + " - 'Infinity'::float4, 'Infinity'::float8 - 'Infinity'::float8)",
                // Many ordinary rows: numbers of every length and sign, texts, times.
                "INSERT INTO bin_all SELECT g, g % 2 = 0, (g % 65535 - 32767)::int2,"
                        + " (g * 7919 % 2000000000 - 1000000000)::int4, (g * 104729)::oid,"
                        + " (g / 7.0)::float4, (g / 7.0)::float8, ((g % 2000000) - 1000000)"
                        + " / 100.0 * (g % 100), (g / 7.0) ^ (g % 5 - 2),"
                        + " (g / 3.0) ^ (g % 4), 'row ' || g, left('v' || g, 10),"
                        + " left('c' || g, 5), 'n' || g, json_build_object('g', g),"
                        + " jsonb_build_object('g', g, 'l', repeat('x', g % 50)),"
                        + " md5(g::text)::uuid, decode(md5(g::text), 'hex'),"
                        + " date '2000-01-01' + (g * 37 % 800000 - 400000),"
                        + " time '00:00' + g * interval '1.000001 second',"
                        + " timestamp '2000-01-01' + g * interval '1 day 1.000001 second',"
                        + " timestamptz '1960-01-01 00:00+00' + g * interval '13 hours 0.5 sec',"
                        + " g % 1000000 / 100.0, g FROM generate_series(2000, 4000) g");
        List<GenericRecord> binary = read("bin_all", true, true);
        List<GenericRecord> text = read("bin_all", false, false);
        assertThat(binary).hasSize(ROWS.size() + 2 + 2001).hasSameSizeAs(text);
        Schema row = after(binary.get(0)).getSchema();
        for (int i = 0; i < binary.size(); i++) {
            GenericRecord b = after(binary.get(i));
            GenericRecord t = after(text.get(i));
            for (Schema.Field f : row.getFields()) {
                Object bv = b.get(f.pos());
                Object tv = t.get(f.pos());
                assertThat(bv).as("id %s, column %s", t.get("id"), f.name()).isEqualTo(tv);
                // Equal to the bit (Avro writes a float's bits; equals() takes any NaN for NaN).
                if (bv instanceof Double d) {
                    assertThat(Double.doubleToRawLongBits(d)).as("id %s, column %s bits",
                            t.get("id"), f.name()).isEqualTo(Double.doubleToRawLongBits((Double) tv));
                } else if (bv instanceof Float x) {
                    assertThat(Float.floatToRawIntBits(x)).as("id %s, column %s bits",
                            t.get("id"), f.name()).isEqualTo(Float.floatToRawIntBits((Float) tv));
                }
            }
        }
        // The values are also the right ones, not only the same both ways.
        GenericRecord fifth = after(binary.get(4));
        assertThat(fifth.get("d")).isEqualTo(10_957);
        assertThat(fifth.get("tz")).isEqualTo(0L);
        assertThat(fifth.get("ts")).isEqualTo(946_684_800_000_000L);
        assertThat(fifth.get("tm")).isEqualTo(1L);
        assertThat(fifth.get("f4")).isEqualTo(Float.MIN_VALUE);
        assertThat(fifth.get("by")).isEqualTo(ByteBuffer.wrap(new byte[] {(byte) 0xde,
            (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
        assertThat(fifth.get("nu").toString()).isEqualTo("123456789012345678901234567890.123456789");
        GenericRecord third = after(binary.get(2));
        assertThat(third.get("t").toString()).isEqualTo("tab\there\nnl\\bs");
        assertThat(third.get("bc").toString()).isEqualTo("äb   ");
        assertThat(after(binary.get(0)).get("n")).as("NaN in numeric(12,2): NULL").isNull();
        assertThat(after(binary.get(3)).get("ts")).as("after 294247 AD: NULL").isNull();
    }

    @Test
    void aTableWithAColumnPgwalReadsOnlyInTextIsReadInText() throws Exception {
        pg.execute("CREATE TABLE mixed (id int8 PRIMARY KEY, iv interval, t text)",
                "INSERT INTO mixed VALUES (1, '1 day', 'a'), (2, NULL, NULL)");
        List<GenericRecord> records = read("mixed", true, false);
        assertThat(records).hasSize(2);
        assertThat(after(records.get(0)).get("t").toString()).isEqualTo("a");
    }

    private static GenericRecord after(GenericRecord envelope) {
        return (GenericRecord) envelope.get(FieldName.AFTER);
    }

    /**
     * Reads the whole table as one chunk of an exported snapshot, the way the source does;
     * {@code binaryCopy} lets the reader use binary, {@code expectBinary} is whether it must have.
     */
    private static List<GenericRecord> read(String table, boolean binaryCopy,
            boolean expectBinary) throws Exception {
        PgWalConnectionConfig config = PgWalConnectionConfig.builder().hostname(pg.host())
                .port(pg.port()).database(pg.database()).username(pg.user())
                .password(pg.password()).slotName("unused").publicationName("unused").build();
        try (Connection exporter = pg.connect(); Connection c = ReplicationSetup.connect(config,
                false)) {
            exporter.setAutoCommit(false);
            exporter.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            String name;
            try (Statement s = exporter.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                name = rs.getString(1);
            }
            SnapshotTable t = SnapshotPlanner.describe(c, new QualifiedName("public", table),
                    "unused");
            ChunkReader reader = new ChunkReader(c, new AvroChangeConverter(pg.database(),
                    new JdbcCatalogLookup(c), UnrepresentableValues.NULL)).binaryCopy(binaryCopy);
            ChunkRows rows = reader.readRows(t, new SnapshotChunk(0, 0, null, null),
                    new SnapshotEpoch(1, name, 0x1000L));
            assertThat(rows.isBinary()).as("read in binary").isEqualTo(expectBinary);
            List<GenericRecord> out = new ArrayList<>();
            rows.convert(AvroChangeConverter.forGivenSchemas(pg.database(),
                    UnrepresentableValues.NULL), out::add);
            exporter.rollback();
            out.sort((x, y) -> Long.compare((Long) after(x).get("id"), (Long) after(y).get("id")));
            return out;
        }
    }
}
