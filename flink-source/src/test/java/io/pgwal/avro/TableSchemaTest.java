package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.catalog.PgColumn;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Nullability, key and full before-schemas, names, properties and reuse of table schemas. */
class TableSchemaTest {

    static final int REL = 16400;
    static final int NUMERIC_12_2 = ((12 << 16) | 2) + 4;

    static Relation relation(char identity, RelationColumn... columns) {
        return new Relation(0, REL, "public", "orders", identity, List.of(columns));
    }

    static Map<String, PgColumn> catalog() {
        return Map.of(
                "id", new PgColumn("id", true, false, 23, 'b'),
                "body", new PgColumn("body", true, true, 25, 'b'),
                "note", new PgColumn("note", false, true, 25, 'b'),
                "qty", new PgColumn("qty", false, false, 23, 'b'));
    }

    static final RelationColumn ID = new RelationColumn(true, "id", 23, -1);
    static final RelationColumn BODY = new RelationColumn(false, "body", 25, -1);
    static final RelationColumn NOTE = new RelationColumn(false, "note", 25, -1);
    static final RelationColumn QTY = new RelationColumn(false, "qty", 23, -1);
    static final RelationColumn UNKNOWN = new RelationColumn(false, "added_later", 20, -1);

    @Test
    void plainTypeOnlyForNotNullAndNotToastable() {
        TableSchema t = TableSchema.derive("shop",
                relation('d', ID, BODY, NOTE, QTY, UNKNOWN), catalog());
        Schema row = t.rowSchema();

        assertThat(row.getField("id").schema().getType()).isEqualTo(Schema.Type.INT);
        // NOT NULL but toastable: may be sent as unchanged TOAST, so it can be absent.
        assertThat(row.getField("body").schema().toString()).isEqualTo("[\"null\",\"string\"]");
        assertThat(row.getField("note").schema().toString()).isEqualTo("[\"null\",\"string\"]");
        assertThat(row.getField("qty").schema().toString()).isEqualTo("[\"null\",\"int\"]");
        // Not in the catalog (e.g. dropped or added since): nullable.
        assertThat(row.getField("added_later").schema().toString())
                .isEqualTo("[\"null\",\"long\"]");
        assertThat(t.isNullable(0)).isFalse();
        assertThat(t.isNullable(1)).isTrue();
        assertThat(row.getField("note").defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);
    }

    @Test
    void beforeIsTheKeyRecordUnlessReplicaIdentityFull() {
        RelationColumn code = new RelationColumn(true, "code", 25, -1);
        TableSchema keyed = TableSchema.derive("shop", relation('d', ID, code, NOTE), catalog());
        Schema before = keyed.envelopeSchema().getField("before").schema();
        assertThat(before.getTypes()).hasSize(2);
        assertThat(before.getTypes().get(1)).isSameAs(keyed.keySchema());
        assertThat(keyed.keySchema().getFullName()).isEqualTo("pgwal.shop.public.orders_key");
        // Key columns are always sent, so their fields are plain even without catalog info.
        assertThat(keyed.keySchema().getFields()).extracting(f -> f.schema().toString())
                .containsExactly("\"int\"", "\"string\"");

        TableSchema full = TableSchema.derive("shop", relation('f', ID, code, NOTE), catalog());
        assertThat(full.envelopeSchema().getField("before").schema().getTypes().get(1))
                .isSameAs(full.rowSchema());
        assertThat(full.beforeSchema()).isSameAs(full.rowSchema());
    }

    @Test
    void envelopeLayoutAndSharedSchemas() {
        TableSchema t = TableSchema.derive("shop", relation('d', ID, NOTE), catalog());
        Schema env = t.envelopeSchema();
        assertThat(env.getFullName()).isEqualTo("pgwal.shop.public.orders_envelope");
        assertThat(env.getFields()).extracting(Schema.Field::name)
                .containsExactly("op", "before", "after", "unchanged_toast", "source");
        assertThat(env.getField("op").schema()).isSameAs(PgWalSchemas.OP);
        assertThat(env.getField("op").schema().getFullName()).isEqualTo("pgwal.Op");
        assertThat(env.getField("op").schema().getEnumSymbols())
                .containsExactly("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MESSAGE", "READ");
        assertThat(env.getField("op").schema().getEnumDefault()).isEqualTo("INSERT");
        assertThat(env.getField("after").schema().getTypes().get(1)).isSameAs(t.rowSchema());
        assertThat(env.getField("unchanged_toast").schema().toString())
                .isEqualTo("{\"type\":\"array\",\"items\":\"string\"}");
        Schema source = env.getField("source").schema();
        assertThat(source.getFullName()).isEqualTo("pgwal.Source");
        assertThat(source.getFields()).extracting(Schema.Field::name).containsExactly(
                "lsn", "commit_lsn", "tx_index", "txid", "commit_ts", "db", "schema", "table",
                "snapshot", "relation_oid");
        assertThat(source.getField("commit_ts").schema().getTypes().get(1).getLogicalType())
                .isEqualTo(LogicalTypes.timestampMicros());
        // The schema is valid Avro and survives a print/parse round trip.
        assertThat(new Schema.Parser().parse(env.toString())).isEqualTo(env);
    }

    @Test
    void sanitizesNamesDeterministicallyAndKeepsOriginals() {
        Relation r = new Relation(0, REL, "my-schema", "Order Lines", 'd', List.of(
                new RelationColumn(true, "a b", 23, -1),
                new RelationColumn(false, "a_b", 23, -1),
                new RelationColumn(false, "a-b", 23, -1),
                new RelationColumn(false, "1st", 23, -1),
                new RelationColumn(false, "prix€", 23, -1)));
        TableSchema t = TableSchema.derive("9db", r, Map.of());
        Schema row = t.rowSchema();
        assertThat(row.getNamespace()).isEqualTo("pgwal._9db.my_schema");
        assertThat(row.getName()).isEqualTo("Order_Lines");
        assertThat(t.keySchema().getName()).isEqualTo("Order_Lines_key");
        assertThat(t.envelopeSchema().getName()).isEqualTo("Order_Lines_envelope");
        assertThat(row.getProp("pg.name")).isEqualTo("Order Lines");
        assertThat(row.getProp("pg.schema")).isEqualTo("my-schema");
        assertThat(row.getFields()).extracting(Schema.Field::name)
                .containsExactly("a_b", "a_b_2", "a_b_3", "_1st", "prix_");
        assertThat(row.getFields()).extracting(f -> f.getProp("pg.name"))
                .containsExactly("a b", "a_b", "a-b", "1st", "prix€");
        assertThat(TableSchema.derive("9db", r, Map.of()).rowSchema()).isEqualTo(row);
        assertThat(AvroNames.uniqueNames(List.of("x", "x_2", "x")))
                .containsExactly("x", "x_2", "x_3");
        assertThat(AvroNames.sanitize("")).isEqualTo("_");
    }

    @Test
    void fieldsCarryThePostgresTypeAndDomainsMapLikeTheirBase() {
        int domainOid = 16500;
        Relation r = relation('d', ID,
                new RelationColumn(false, "price", 1700, NUMERIC_12_2),
                new RelationColumn(false, "amount", domainOid, -1),
                new RelationColumn(false, "mood", 16600, -1));
        Map<String, PgColumn> cat = Map.of(
                "amount", new PgColumn("amount", false, true, 1700, 'd', NUMERIC_12_2, "money2",
                        domainOid, -1),
                "mood", new PgColumn("mood", true, false, 16600, 'e', -1, "mood"));
        TableSchema t = TableSchema.derive("shop", r, cat);
        Schema.Field price = t.rowSchema().getField("price");
        assertThat(price.getProp("pg.type")).isEqualTo("numeric(12,2)");
        assertThat(price.getObjectProp("pg.type_oid")).isEqualTo(1700);
        assertThat(price.getObjectProp("pg.typmod")).isEqualTo(NUMERIC_12_2);
        assertThat(price.schema().getTypes().get(1).getLogicalType())
                .isEqualTo(LogicalTypes.decimal(12, 2));
        Schema.Field amount = t.rowSchema().getField("amount");
        assertThat(amount.getProp("pg.type")).isEqualTo("money2");
        assertThat(amount.schema().getTypes().get(1).getLogicalType())
                .isEqualTo(LogicalTypes.decimal(12, 2));
        // An enum: a string, nullable like every column outside the replica identity (the
        // catalog's NOT NULL may be newer than the change).
        assertThat(t.rowSchema().getField("mood").schema().toString())
                .isEqualTo("[\"null\",\"string\"]");
        assertThat(t.rowSchema().getField("id").getProp("pg.type")).isEqualTo("int4");
        // OIDs above 2^31 (unsigned) survive a print/parse round trip unchanged.
        TableSchema big = TableSchema.derive("shop",
                relation('d', ID, new RelationColumn(false, "x", -10, -1)), Map.of());
        assertThat(big.rowSchema().getField("x").getObjectProp("pg.type_oid"))
                .isEqualTo(4294967286L);
        assertThat(new Schema.Parser().parse(big.envelopeSchema().toString()))
                .isEqualTo(big.envelopeSchema());
    }

    @Test
    void describesTheSameVersionIgnoringTheTransaction() {
        Relation r = relation('d', ID, NOTE);
        TableSchema t = TableSchema.derive("shop", r, catalog());
        Relation sameLater = new Relation(777, REL, "public", "orders", 'd', List.of(ID, NOTE));
        assertThat(t.describes(sameLater, catalog())).isTrue();
        assertThat(t.describes(relation('f', ID, NOTE), catalog())).isFalse();
        assertThat(t.describes(relation('d', ID, NOTE, QTY), catalog())).isFalse();
        assertThat(t.describes(relation('d', ID,
                new RelationColumn(false, "note", 1043, 24)), catalog())).isFalse();
        Map<String, PgColumn> dropNotNull = new java.util.HashMap<>(catalog());
        dropNotNull.put("id", new PgColumn("id", false, false, 23, 'b'));
        assertThat(t.describes(sameLater, dropNotNull)).isFalse();
    }

    @Test
    void onlyFixedLengthReplicaIdentityColumnsAreNeverNull() {
        RelationColumn code = new RelationColumn(true, "code", 25, -1);
        RelationColumn qty = new RelationColumn(false, "qty", 23, -1);
        Map<String, PgColumn> allNotNull = Map.of(
                "id", new PgColumn("id", true, false, 23, 'b'),
                "code", new PgColumn("code", true, true, 25, 'b'),
                "qty", new PgColumn("qty", true, false, 23, 'b'));
        TableSchema keyed = TableSchema.derive("shop", relation('d', ID, code, qty), allNotNull);
        // int4 key: always sent, never TOASTed. text key: may be TOASTed. Not a key: may have
        // been written before its NOT NULL.
        assertThat(keyed.isNullable(0)).isFalse();
        assertThat(keyed.isNullable(1)).isTrue();
        assertThat(keyed.isNullable(2)).isTrue();
        // The key record holds the identity columns as plain values.
        assertThat(keyed.keySchema().getField("code").schema().getType())
                .isEqualTo(Schema.Type.STRING);

        // REPLICA IDENTITY FULL flags every column as key, NULLs included.
        RelationColumn idFull = new RelationColumn(true, "id", 23, -1);
        RelationColumn qtyFull = new RelationColumn(true, "qty", 23, -1);
        TableSchema full = TableSchema.derive("shop", relation('f', idFull, qtyFull), allNotNull);
        assertThat(full.isNullable(0)).isTrue();
        assertThat(full.isNullable(1)).isTrue();
    }
}
