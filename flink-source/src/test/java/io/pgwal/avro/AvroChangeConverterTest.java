package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.catalog.PgColumn;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.MessageField;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.PgWalException;
import io.pgwal.decoder.PgOutputMessage.Delete;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.PgOutputMessage.Update;
import io.pgwal.decoder.TestTuples;
import io.pgwal.decoder.TupleData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Change envelopes from decoded pgoutput messages. */
class AvroChangeConverterTest {

    static final int REL = 16400;
    static final RelationColumn ID = new RelationColumn(true, "id", 23, -1);
    static final RelationColumn BODY = new RelationColumn(false, "body", 25, -1);
    static final RelationColumn QTY = new RelationColumn(false, "qty", 23, -1);
    static final ChangeSource SRC =
            new ChangeSource(0x16B3748L, 0x16B3900L, 3, 812, 1_700_000_000_000_000L);

    MapCatalog catalog;
    AvroChangeConverter converter;

    @BeforeEach
    void setUp() {
        catalog = new MapCatalog()
                .column(REL, new PgColumn("id", true, false, 23, 'b'))
                .column(REL, new PgColumn("body", true, true, 25, 'b'))
                .column(REL, new PgColumn("qty", true, false, 23, 'b'));
        converter = new AvroChangeConverter("shop", catalog);
    }

    static Relation relation(char identity, RelationColumn... columns) {
        return new Relation(1, REL, "public", "orders", identity, List.of(columns));
    }

    /** Every record must be valid for its own schema (right Java types, no nulls where plain). */
    static GenericRecord valid(GenericRecord r) {
        assertThat(GenericData.get().validate(r.getSchema(), r)).as("valid: %s", r).isTrue();
        return r;
    }

    static GenericRecord rec(GenericRecord r, String field) {
        return (GenericRecord) r.get(field);
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }

    @Test
    void insertEnvelopeWithSource() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        GenericRecord env = valid(converter.insert(
                new Insert(812, REL, TupleData.ofText("7", "hello", "3")), SRC));

        assertThat(env.getSchema().getFullName()).isEqualTo("pgwal.shop.public.orders_envelope");
        assertThat(str(env.get(FieldName.OP))).isEqualTo("INSERT");
        assertThat(env.get(FieldName.BEFORE)).isNull();
        GenericRecord after = rec(env, "after");
        assertThat(after.get("id")).isEqualTo(7);
        assertThat(str(after.get("body"))).isEqualTo("hello");
        assertThat(after.get("qty")).isEqualTo(3);
        assertThat((List<?>) env.get(FieldName.UNCHANGED_TOAST)).isEmpty();
        GenericRecord source = rec(env, "source");
        assertThat(source.get(SourceField.LSN)).isEqualTo(0x16B3748L);
        assertThat(source.get(SourceField.COMMIT_LSN)).isEqualTo(0x16B3900L);
        assertThat(source.get(SourceField.TX_INDEX)).isEqualTo(3);
        assertThat(source.get(SourceField.TXID)).isEqualTo(812L);
        assertThat(source.get(SourceField.COMMIT_TS)).isEqualTo(1_700_000_000_000_000L);
        assertThat(str(source.get(SourceField.DB))).isEqualTo("shop");
        assertThat(str(source.get(SourceField.SCHEMA))).isEqualTo("public");
        assertThat(str(source.get(SourceField.TABLE))).isEqualTo("orders");
    }

    @Test
    void updateWithKeyOldTupleAndWithout() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        // 'K': only the key columns have values; the others are null in the old tuple.
        GenericRecord keyed = valid(converter.update(new Update(812, REL, 'K',
                TupleData.ofText("7", null, null), TupleData.ofText("8", "b", "1")), SRC));
        assertThat(str(keyed.get(FieldName.OP))).isEqualTo("UPDATE");
        GenericRecord before = rec(keyed, "before");
        assertThat(before.getSchema().getName()).isEqualTo("orders_key");
        assertThat(before.get("id")).isEqualTo(7);
        assertThat(rec(keyed, "after").get("id")).isEqualTo(8);

        GenericRecord plain = valid(converter.update(new Update(812, REL, (char) 0, null,
                TupleData.ofText("8", "c", "2")), SRC));
        assertThat(plain.get(FieldName.BEFORE)).isNull();
        assertThat(str(rec(plain, "after").get("body"))).isEqualTo("c");
    }

    @Test
    void replicaIdentityFullCarriesTheWholeOldRow() {
        converter.onRelation(relation('f', ID, BODY, QTY));
        GenericRecord env = valid(converter.update(new Update(812, REL, 'O',
                TupleData.ofText("7", "old", "1"), TupleData.ofText("7", "new", "2")), SRC));
        GenericRecord before = rec(env, "before");
        assertThat(before.getSchema()).isSameAs(converter.tableSchema(REL).rowSchema());
        assertThat(str(before.get("body"))).isEqualTo("old");
        assertThat(before.get("qty")).isEqualTo(1);

        GenericRecord del = valid(converter.delete(
                new Delete(812, REL, 'O', TupleData.ofText("7", "new", "2")), SRC));
        assertThat(str(del.get(FieldName.OP))).isEqualTo("DELETE");
        assertThat(str(rec(del, "before").get("body"))).isEqualTo("new");
        assertThat(del.get(FieldName.AFTER)).isNull();

        assertThatThrownBy(() -> converter.delete(
                new Delete(812, REL, 'K', TupleData.ofText("7", null, null)), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("REPLICA IDENTITY FULL");
    }

    @Test
    void deleteWithKey() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        GenericRecord env = valid(converter.delete(
                new Delete(812, REL, 'K', TupleData.ofText("7", null, null)), SRC));
        assertThat(str(env.get(FieldName.OP))).isEqualTo("DELETE");
        assertThat(rec(env, "before").get("id")).isEqualTo(7);
        assertThat(env.get(FieldName.AFTER)).isNull();
    }

    @Test
    void unchangedToastIsListedAndNeverWrittenAsAValue() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        TupleData newTuple = TestTuples.of("7", TestTuples.UNCHANGED, "5");
        GenericRecord env = valid(converter.update(
                new Update(812, REL, (char) 0, null, newTuple), SRC));
        assertThat(rec(env, "after").get("body")).isNull();
        assertThat(rec(env, "after").get("qty")).isEqualTo(5);
        assertThat(((List<?>) env.get(FieldName.UNCHANGED_TOAST))).extracting(Object::toString)
                .containsExactly("body");
    }

    @Test
    void truncateAndMessage() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        GenericRecord t = valid(converter.truncate(REL, SRC));
        assertThat(str(t.get(FieldName.OP))).isEqualTo("TRUNCATE");
        assertThat(t.get(FieldName.BEFORE)).isNull();
        assertThat(t.get(FieldName.AFTER)).isNull();
        assertThat(str(rec(t, "source").get(SourceField.TABLE))).isEqualTo("orders");

        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        GenericRecord m = valid(converter.message(
                new LogicalMessage(0, false, 0x2000L, "app", content),
                new ChangeSource(0x2000L, 0, 0, 0, Long.MIN_VALUE)));
        assertThat(m.getSchema().getFullName()).isEqualTo("pgwal.Message");
        assertThat(str(m.get(FieldName.OP))).isEqualTo("MESSAGE");
        assertThat(str(m.get(MessageField.PREFIX))).isEqualTo("app");
        assertThat(m.get(MessageField.CONTENT)).isEqualTo(ByteBuffer.wrap(content));
        assertThat(m.get(MessageField.TRANSACTIONAL)).isEqualTo(false);
        assertThat(rec(m, "source").get(SourceField.COMMIT_TS)).isNull();
        assertThat(rec(m, "source").get(SourceField.TABLE)).isNull();
        assertThat(str(rec(m, "source").get(SourceField.DB))).isEqualTo("shop");
    }

    @Test
    void reusesSchemasUntilTheRelationChangesAndReadsTheCatalogOncePerVersion() {
        converter.onRelation(relation('d', ID, BODY, QTY));
        TableSchema first = converter.tableSchema(REL);
        GenericRecord a = converter.insert(
                new Insert(1, REL, TupleData.ofText("1", "x", "1")), SRC);
        GenericRecord b = converter.insert(
                new Insert(1, REL, TupleData.ofText("2", "y", "2")), SRC);
        assertThat(catalog.lookups).isEqualTo(1);
        assertThat(b.getSchema()).isSameAs(a.getSchema());

        // The same relation again (new transaction, e.g. after an invalidation): same objects.
        converter.onRelation(
                new Relation(99, REL, "public", "orders", 'd', List.of(ID, BODY, QTY)));
        assertThat(converter.tableSchema(REL)).isSameAs(first);
        assertThat(catalog.lookups).isEqualTo(2);

        // Evolution: a column added, then one dropped and one retyped.
        RelationColumn note = new RelationColumn(false, "note", 1043, 24);
        converter.onRelation(relation('d', ID, BODY, QTY, note));
        GenericRecord c = valid(converter.insert(
                new Insert(2, REL, TupleData.ofText("3", "z", "3", "n")), SRC));
        assertThat(c.getSchema()).isNotSameAs(a.getSchema());
        assertThat(str(rec(c, "after").get("note"))).isEqualTo("n");
        assertThat(a.getSchema().getField("after").schema().getTypes().get(1).getField("note"))
                .isNull();

        catalog.drop(REL, "qty");
        RelationColumn qtyText = new RelationColumn(false, "qty", 25, -1);
        converter.onRelation(relation('d', ID, qtyText, note));
        GenericRecord d = valid(converter.insert(
                new Insert(3, REL, TupleData.ofText("4", "many", null)), SRC));
        GenericRecord after = rec(d, "after");
        assertThat(after.getSchema().getField("body")).isNull();
        assertThat(str(after.get("qty"))).isEqualTo("many");
    }

    @Test
    void errorsNameTableColumnAndLsn() {
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TupleData.ofText("1", "x", "1")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("16400")
                .hasMessageContaining("Relation message");

        converter.onRelation(relation('d', ID, BODY, QTY));
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TupleData.ofText(null, "x", "1")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("public.orders")
                .hasMessageContaining("\"id\"")
                .hasMessageContaining("0/16B3748");
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TupleData.ofText("1", "x")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("has 2 columns");
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TupleData.ofText("one", "x", "1")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("\"id\"")
                .hasMessageContaining("public.orders")
                .hasMessageContaining("0/16B3748");
        // Unchanged TOAST in a column that cannot be absent, and binary values.
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TestTuples.of(TestTuples.UNCHANGED, "x", "1")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("\"id\"");
        // A binary value is read by its type's send format (PgBinaryValues): an int4 is 4 bytes.
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TestTuples.of(new byte[] {1}, "x", "1")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("\"id\"")
                .hasMessageContaining("binary format")
                .hasMessageContaining("0/16B3748");
        GenericRecord binary = converter.insert(new Insert(1, REL,
                TestTuples.of(new byte[] {0, 0, 0, 7}, new byte[] {'h', 'i'}, "1")), SRC);
        assertThat(rec(binary, "after").get("id")).isEqualTo(7);
        assertThat(str(rec(binary, "after").get("body"))).isEqualTo("hi");
    }

    @Test
    void notNullInTodaysCatalogDoesNotFailANullWrittenBeforeIt() {
        // The catalog (read now) says qty and body are NOT NULL; the change is older than that.
        converter.onRelation(relation('d', ID, BODY, QTY));
        GenericRecord env = valid(converter.insert(
                new Insert(1, REL, TupleData.ofText("1", null, null)), SRC));
        assertThat(rec(env, "after").get("qty")).isNull();
        assertThat(rec(env, "after").get("body")).isNull();
    }

    @Test
    void unrepresentableValuesBecomeNullOrFailAsConfigured() {
        RelationColumn price = new RelationColumn(false, "price", 1700, ((12 << 16) | 2) + 4);
        RelationColumn keyPrice = new RelationColumn(true, "price", 1700, ((12 << 16) | 2) + 4);
        converter.onRelation(relation('d', ID, price));
        GenericRecord env = valid(converter.insert(
                new Insert(1, REL, TupleData.ofText("1", "NaN")), SRC));
        assertThat(rec(env, "after").get("price")).isNull();
        assertThat(converter.unrepresentableValuesNulled()).isEqualTo(1);

        AvroChangeConverter failing =
                new AvroChangeConverter("shop", catalog, UnrepresentableValues.FAIL);
        failing.onRelation(relation('d', ID, price));
        assertThatThrownBy(() -> failing.insert(
                new Insert(1, REL, TupleData.ofText("1", "NaN")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("public.orders").hasMessageContaining("\"price\"")
                .hasMessageContaining("NaN").hasMessageContaining("0/16B3748")
                .hasMessageContaining("'values.unrepresentable' = 'null'");

        // A replica identity column cannot be null: always an error, with another way out.
        converter.onRelation(relation('d', keyPrice));
        assertThatThrownBy(() -> converter.insert(
                new Insert(1, REL, TupleData.ofText("NaN")), SRC))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("replica identity")
                .hasMessageContaining("pg_replication_slot_advance");
    }
}
