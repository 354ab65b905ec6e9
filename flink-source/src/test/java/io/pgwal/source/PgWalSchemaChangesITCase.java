package io.pgwal.source;

import static io.pgwal.testing.Envelopes.op;
import static io.pgwal.testing.Envelopes.source;
import static io.pgwal.testing.Envelopes.table;
import static io.pgwal.testing.Envelopes.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.testing.TestPostgres;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every DDL a table lives through, made while its changes wait in the slot (the job reads them
 * all afterwards): each change arrives with the table's definition of its own time, which is what
 * pgoutput describes it with, never with today's catalog.
 */
class PgWalSchemaChangesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void addedAndDroppedColumnsAppearAndDisappearAtTheirChange() throws Exception {
        List<GenericRecord> out = stream("cols", "CREATE TABLE cols (id int PRIMARY KEY, a text)",
                "INSERT INTO cols VALUES (1, 'x')",
                "ALTER TABLE cols ADD COLUMN b int NOT NULL DEFAULT 5",
                "INSERT INTO cols VALUES (2, 'y', 6)",
                "ALTER TABLE cols DROP COLUMN a",
                "INSERT INTO cols VALUES (3, 7)");

        assertThat(fields(out.get(0))).containsExactly("id", "a");
        assertThat(fields(out.get(1))).containsExactly("id", "a", "b");
        assertThat(value(out.get(1), "after", "b")).isEqualTo(6);
        assertThat(fields(out.get(2))).containsExactly("id", "b");
        assertThat(value(out.get(2), "after", "b")).isEqualTo(7);
    }

    @Test
    void typesWidenedAndNarrowedKeepEachChangesOwnType() throws Exception {
        List<GenericRecord> out = stream("retyped",
                "CREATE TABLE retyped (id int PRIMARY KEY, n int, price numeric(12,2))",
                "INSERT INTO retyped VALUES (1, 10, 1234.56)",
                "ALTER TABLE retyped ALTER COLUMN n TYPE bigint,"
                        + " ALTER COLUMN price TYPE numeric(8,1)",
                "INSERT INTO retyped VALUES (2, 9000000000, 1234.5)",
                "ALTER TABLE retyped ALTER COLUMN n TYPE smallint USING 7",
                "INSERT INTO retyped VALUES (3, 8, 2.5)");

        assertThat(out).extracting(r -> value(r, "after", "n")).containsExactly(10, 9000000000L, 8);
        assertThat(out).extracting(r -> value(r, "after", "price")).containsExactly(
                new BigDecimal("1234.56"), new BigDecimal("1234.5"), new BigDecimal("2.5"));
        // The documentation of the field names the type of the change's time, too.
        assertThat(field(out.get(0), "price").getProp("pg.type")).isEqualTo("numeric(12,2)");
        assertThat(field(out.get(1), "price").getProp("pg.type")).isEqualTo("numeric(8,1)");
        assertThat(field(out.get(0), "n").getProp("pg.type")).isEqualTo("int4");
    }

    @Test
    void renamedColumnsAndTablesAreNamedAsTheyWereAtEachChange() throws Exception {
        List<GenericRecord> out = stream("old_name",
                "CREATE TABLE old_name (id int PRIMARY KEY, a int, b text)",
                "INSERT INTO old_name VALUES (1, 10, 'x')",
                // Swapped names: today's catalog says "a" is text, which the first change's "a"
                // was not.
                "ALTER TABLE old_name RENAME COLUMN a TO tmp",
                "ALTER TABLE old_name RENAME COLUMN b TO a",
                "ALTER TABLE old_name RENAME COLUMN tmp TO b",
                "INSERT INTO old_name VALUES (2, 30, 'y')",
                "ALTER TABLE old_name RENAME TO new_name",
                "INSERT INTO new_name VALUES (3, 50, 'z')");

        assertThat(out).extracting(r -> table(r) + " a=" + value(r, "after", "a") + " b="
                + value(r, "after", "b")).containsExactly(
                        "old_name a=10 b=x", "old_name a=y b=30", "new_name a=z b=50");
        assertThat(fields(out.get(0))).containsExactly("id", "a", "b");
        // The third column is "a" from the second change on.
        assertThat(fields(out.get(1))).containsExactly("id", "b", "a");
        assertThat(field(out.get(0), "a").getProp("pg.type")).isEqualTo("int4");
        assertThat(field(out.get(0), "b").getProp("pg.type")).isEqualTo("text");
        assertThat(source(out.get(0)).get(SourceField.RELATION_OID))
                .isEqualTo(source(out.get(2)).get(SourceField.RELATION_OID));
    }

    @Test
    void aTableDroppedAndCreatedAgainHasAnotherRelationOid() throws Exception {
        List<GenericRecord> out = stream("phoenix",
                "CREATE TABLE phoenix (id int PRIMARY KEY, v text)",
                "INSERT INTO phoenix VALUES (1, 'old')",
                "DROP TABLE phoenix",
                "CREATE TABLE phoenix (id int PRIMARY KEY, v text)",
                "ALTER PUBLICATION phoenix_pub ADD TABLE phoenix",
                "INSERT INTO phoenix VALUES (1, 'new')");

        assertThat(out).extracting(r -> value(r, "after", "v").toString())
                .containsExactly("old", "new");
        long oldOid = (Long) source(out.get(0)).get(SourceField.RELATION_OID);
        long newOid = (Long) source(out.get(1)).get(SourceField.RELATION_OID);
        assertThat(newOid).isNotEqualTo(oldOid);
        assertThat(Long.parseLong(pg.queryString("SELECT 'phoenix'::regclass::oid::text")))
                .isEqualTo(newOid);
    }

    @Test
    void replicaIdentityChangesShowInTheOldImageOfEachChange() throws Exception {
        List<GenericRecord> out = stream("ident",
                "CREATE TABLE ident (id int PRIMARY KEY, v text, w int)",
                "INSERT INTO ident VALUES (1, 'a', 1), (2, 'b', 2)",
                "UPDATE ident SET w = 10 WHERE id = 1",
                "ALTER TABLE ident REPLICA IDENTITY FULL",
                "UPDATE ident SET w = 20 WHERE id = 2",
                "DELETE FROM ident WHERE id = 1",
                "ALTER TABLE ident REPLICA IDENTITY DEFAULT",
                "DELETE FROM ident WHERE id = 2");

        assertThat(out).extracting(r -> op(r)).containsExactly(
                "INSERT", "INSERT", "UPDATE", "UPDATE", "DELETE", "DELETE");
        // DEFAULT: no old image for an update that keeps the key, only the key for a delete.
        assertThat(out.get(2).get(FieldName.BEFORE)).isNull();
        // FULL: the whole old row.
        assertThat(value(out.get(3), "before", "w")).isEqualTo(2);
        assertThat(value(out.get(4), "before", "v").toString()).isEqualTo("a");
        Schema lastBefore = out.get(5).getSchema().getField("before").schema().getTypes().get(1);
        assertThat(lastBefore.getFields()).extracting(Schema.Field::name).containsExactly("id");
    }

    @Test
    void truncateIsARecordOfItsOwn() throws Exception {
        List<GenericRecord> out = stream("cut", "CREATE TABLE cut (id int PRIMARY KEY)",
                "INSERT INTO cut VALUES (1), (2)",
                "TRUNCATE cut",
                "INSERT INTO cut VALUES (3)");

        assertThat(out).extracting(r -> op(r) + " " + value(r, "after", "id"))
                .containsExactly("INSERT 1", "INSERT 2", "TRUNCATE null", "INSERT 3");
    }

    /**
     * Creates the table (first statement), its publication {@code <name>_pub} and slot, runs the
     * rest, then reads everything committed with one bounded job.
     */
    private static List<GenericRecord> stream(String name, String create, String... then)
            throws Exception {
        pg.execute(create, "CREATE PUBLICATION " + name + "_pub FOR TABLE " + name,
                "SELECT pg_create_logical_replication_slot('" + name + "_slot', 'pgoutput')");
        pg.execute(then);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env.fromSource(
                pg.sourceBuilder(name + "_slot", name + "_pub").stopAtCurrentLsn().build(),
                WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static Schema row(GenericRecord envelope) {
        return envelope.getSchema().getField("after").schema().getTypes().get(1);
    }

    private static List<String> fields(GenericRecord envelope) {
        return row(envelope).getFields().stream().map(Schema.Field::name).toList();
    }

    private static Schema.Field field(GenericRecord envelope, String name) {
        return row(envelope).getField(name);
    }
}
