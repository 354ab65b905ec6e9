package io.pgwal.table;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The envelopes' type between the SQL table's source and its chained converter: handed over
 * without a copy, serialized like any pgwal record where the stream is not chained.
 */
class ChainedEnvelopesTest {

    private static GenericRecord record() {
        Schema schema = SchemaBuilder.record("orders_envelope").namespace("pgwal.public")
                .fields().requiredLong("id").optionalString("note").endRecord();
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", 42L);
        r.put("note", "shipped");
        return r;
    }

    @Test
    void copyIsTheRecordItself() {
        TypeSerializer<GenericRecord> s =
                ChainedEnvelopes.INSTANCE.createSerializer(new SerializerConfigImpl());
        GenericRecord r = record();
        assertThat(s.copy(r)).isSameAs(r);
        assertThat(s.copy(r, null)).isSameAs(r);
    }

    @Test
    void serializesLikePgWalRecords() throws Exception {
        TypeSerializer<GenericRecord> s =
                ChainedEnvelopes.INSTANCE.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(record(), out);
        GenericRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.get("id")).isEqualTo(42L);
        assertThat(back.get("note").toString()).isEqualTo("shipped");
        assertThat(back.getSchema()).isEqualTo(record().getSchema());
    }

    @Test
    void snapshotRestoresTheSerializer() throws Exception {
        TypeSerializerSnapshot<GenericRecord> snapshot =
                ChainedEnvelopes.INSTANCE.createSerializer(new SerializerConfigImpl())
                        .snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<GenericRecord> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(read.restoreSerializer()).isInstanceOf(ChainedEnvelopes.Serializer.class);
    }
}
