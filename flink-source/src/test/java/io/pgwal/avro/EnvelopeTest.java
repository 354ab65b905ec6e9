package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.Op;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.TestTuples;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The typed readers of change records, on records the converter writes and on older ones. */
class EnvelopeTest {

    @Test
    void readsEveryFieldOfAConvertedChange() {
        AvroChangeConverter converter = new AvroChangeConverter("shop", new MapCatalog());
        int oid = -5; // 4294967291 unsigned
        converter.onRelation(new Relation(1, oid, "public", "orders", 'd', List.of(
                new RelationColumn(true, "id", 23, -1), new RelationColumn(false, "body", 25, -1))));
        ChangeSource src = new ChangeSource(0x10L, 0x20L, 3, 812, 1_700_000_000_000_000L);
        GenericRecord env = converter.insert(
                new Insert(812, oid, TestTuples.of("7", TestTuples.UNCHANGED)), src);

        assertThat(Envelope.op(env)).isEqualTo(Op.INSERT);
        assertThat(Envelope.before(env)).isNull();
        assertThat(Envelope.after(env).get("id")).isEqualTo(7);
        assertThat(Envelope.unchangedToast(env)).containsExactly("body");
        assertThat(Envelope.lsn(env)).isEqualTo(0x10L);
        assertThat(Envelope.commitLsn(env)).isEqualTo(0x20L);
        assertThat(Envelope.txIndex(env)).isEqualTo(3);
        assertThat(Envelope.txid(env)).isEqualTo(812L);
        assertThat(Envelope.database(env)).isEqualTo("shop");
        assertThat(Envelope.schema(env)).isEqualTo("public");
        assertThat(Envelope.table(env)).isEqualTo("orders");
        assertThat(Envelope.snapshot(env)).isFalse();
        assertThat(Envelope.relationOid(env)).isEqualTo(4294967291L);
        // The enum lists the schema's symbols in order.
        assertThat(List.of(Op.values())).extracting(Op::name)
                .containsExactlyElementsOf(PgWalSchemas.OP.getEnumSymbols());
    }

    @Test
    void aSourceWrittenBeforeRelationOidExistedReadsNull() {
        Schema oldSource = SchemaBuilder.record("Source").namespace("pgwal").fields()
                .requiredLong("lsn").endRecord();
        GenericRecord source = new GenericData.Record(oldSource);
        source.put("lsn", 1L);
        Schema oldEnvelope = SchemaBuilder.record("e").fields()
                .name("source").type(oldSource).noDefault().endRecord();
        GenericRecord env = new GenericData.Record(oldEnvelope);
        env.put("source", source);

        assertThat(Envelope.relationOid(env)).isNull();
        assertThat(Envelope.lsn(env)).isEqualTo(1L);
    }
}
