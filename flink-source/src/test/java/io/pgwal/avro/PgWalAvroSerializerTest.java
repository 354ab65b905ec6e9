package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.catalog.PgColumn;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.PgOutputMessage.Update;
import io.pgwal.decoder.TestTuples;
import io.pgwal.decoder.TupleData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Self-describing serialization of records of many schemas, copies, snapshots, no Kryo. */
class PgWalAvroSerializerTest {

    static final ChangeSource SRC = new ChangeSource(100, 200, 0, 7, 1_700_000_000_000_000L);
    static final int NUMERIC_12_2 = ((12 << 16) | 2) + 4;

    AvroChangeConverter converter;

    @BeforeEach
    void setUp() {
        converter = new AvroChangeConverter("shop", new MapCatalog()
                .column(1, new PgColumn("id", true, false, 20, 'b')));
        converter.onRelation(new Relation(1, 1, "public", "orders", 'd', List.of(
                new RelationColumn(true, "id", 20, -1),
                new RelationColumn(false, "price", 1700, NUMERIC_12_2),
                new RelationColumn(false, "body", 25, -1),
                new RelationColumn(false, "at", 1184, -1),
                new RelationColumn(false, "raw", 17, -1))));
        converter.onRelation(new Relation(1, 2, "sales", "Line Items", 'f', List.of(
                new RelationColumn(true, "n", 23, -1),
                new RelationColumn(false, "d", 1082, -1))));
    }

    /** Records of two tables, two versions of one, a message; with nulls and unchanged TOAST. */
    List<GenericRecord> records() {
        List<GenericRecord> out = new ArrayList<>();
        out.add(converter.insert(new Insert(1, 1, TupleData.ofText(
                "1", "-12.50", "héllo", "2024-03-10 12:34:56.789+05:45", "\\x00ff")), SRC));
        out.add(converter.update(new Update(1, 1, 'K', TupleData.ofText("1", null, null, null,
                null), TestTuples.of("2", null, TestTuples.UNCHANGED, null, "\\x")), SRC));
        out.add(converter.insert(new Insert(1, 2, TupleData.ofText("5", "0044-03-15 BC")), SRC));
        out.add(converter.delete(new io.pgwal.decoder.PgOutputMessage.Delete(1, 2, 'O',
                TupleData.ofText("5", null)), SRC));
        out.add(converter.truncate(2, SRC));
        out.add(converter.message(new LogicalMessage(1, true, 5, "p", new byte[] {1, 2}), SRC));
        converter.onRelation(new Relation(2, 2, "sales", "Line Items", 'f', List.of(
                new RelationColumn(true, "n", 23, -1),
                new RelationColumn(false, "extra", 16, -1))));
        out.add(converter.insert(new Insert(2, 2, TupleData.ofText("6", "t")), SRC));
        return out;
    }

    static byte[] serialize(TypeSerializer<GenericRecord> s, List<GenericRecord> records)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (GenericRecord r : records) {
            s.serialize(r, out);
        }
        return out.getCopyOfBuffer();
    }

    @Test
    void roundTripsRecordsOfManySchemasParsingEachSchemaOnce() throws IOException {
        List<GenericRecord> records = records();
        // Two tables, one of them in two versions, and the message schema.
        long schemas = records.stream().map(GenericRecord::getSchema).distinct().count();
        assertThat(schemas).isEqualTo(4);
        List<GenericRecord> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.addAll(records);
        }
        PgWalAvroSerializer writer = new PgWalAvroSerializer();
        byte[] bytes = serialize(writer, many);

        PgWalAvroSerializer reader = new PgWalAvroSerializer();
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        for (GenericRecord expected : many) {
            GenericRecord actual = reader.deserialize(in);
            assertThat(actual).isEqualTo(expected);
            assertThat(actual.getSchema()).isEqualTo(expected.getSchema());
        }
        assertThat(in.available()).isZero();
        assertThat(reader.schemaParses()).isEqualTo(schemas);
        GenericRecord after = (GenericRecord) records.get(0).get(FieldName.AFTER);
        ByteBuffer price = (ByteBuffer) after.get("price");
        assertThat(PgTypeMapping.decimal(price, after.getSchema().getField("price").schema()
                .getTypes().get(1))).isEqualByComparingTo("-12.50");
    }

    @Test
    void deserializesWithReuseAndCopiesSerializedForm() throws IOException {
        List<GenericRecord> records = records();
        PgWalAvroSerializer s = new PgWalAvroSerializer();
        byte[] bytes = serialize(s, records);

        DataInputDeserializer in = new DataInputDeserializer(bytes);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        for (int i = 0; i < records.size(); i++) {
            s.copy(in, copied);
        }
        assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes);

        DataInputDeserializer again = new DataInputDeserializer(bytes);
        GenericRecord reuse = null;
        for (GenericRecord expected : records) {
            reuse = s.deserialize(reuse, again);
            assertThat(reuse).isEqualTo(expected);
        }
    }

    @Test
    void copyIsDeep() {
        PgWalAvroSerializer s = new PgWalAvroSerializer();
        GenericRecord original = records().get(0);
        GenericRecord copy = s.copy(original);
        assertThat(copy).isEqualTo(original).isNotSameAs(original);

        GenericRecord copiedAfter = (GenericRecord) copy.get(FieldName.AFTER);
        copiedAfter.put("id", 99L);
        ((ByteBuffer) copiedAfter.get("raw")).put(0, (byte) 42);
        ((GenericRecord) copy.get(FieldName.SOURCE)).put("lsn", -1L);

        GenericRecord originalAfter = (GenericRecord) original.get(FieldName.AFTER);
        assertThat(originalAfter.get("id")).isEqualTo(1L);
        assertThat(((ByteBuffer) originalAfter.get("raw")).get(0)).isEqualTo((byte) 0);
        assertThat(((GenericRecord) original.get(FieldName.SOURCE)).get(SourceField.LSN)).isEqualTo(100L);
        assertThat(s.copy(original, copy)).isEqualTo(original);
        assertThat(s.copy((GenericRecord) null)).isNull();
    }

    @Test
    void copiesOfEveryRecordKindAreIndependentAndEqualToAvrosCopy() {
        PgWalAvroSerializer s = new PgWalAvroSerializer();
        for (GenericRecord r : records()) {
            CopyChecks.assertIndependentCopy(r, s.copy(r));
        }
    }

    @Test
    void snapshotRoundTripAndCompatibility() throws IOException {
        PgWalAvroSerializer s = new PgWalAvroSerializer();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
        TypeSerializerSnapshot<GenericRecord> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());

        assertThat(restored).isInstanceOf(PgWalAvroSerializerSnapshot.class);
        assertThat(restored.restoreSerializer()).isEqualTo(s);
        assertThat(s.snapshotConfiguration().resolveSchemaCompatibility(restored)
                .isCompatibleAsIs()).isTrue();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<GenericRecord> other =
                (TypeSerializerSnapshot) StringSerializer.INSTANCE.snapshotConfiguration();
        assertThat(s.snapshotConfiguration().resolveSchemaCompatibility(other).isIncompatible())
                .isTrue();
        assertThat(s.duplicate()).isEqualTo(s).isNotSameAs(s);
    }

    @Test
    void acceptedWithGenericTypesDisabled() {
        ExecutionConfig config = new ExecutionConfig();
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        config.configure(conf, getClass().getClassLoader());
        assertThat(config.getSerializerConfig().hasGenericTypesDisabled()).isTrue();

        TypeInformation<GenericRecord> info = PgWalAvroTypeInfo.INSTANCE;
        assertThat(info.createSerializer(config.getSerializerConfig()))
                .isInstanceOf(PgWalAvroSerializer.class);
        assertThat(info.isKeyType()).isTrue();
        assertThat(info.getTypeClass()).isEqualTo(GenericRecord.class);
        assertThat(info).isEqualTo(new PgWalAvroTypeInfo());
        // What Flink would infer for GenericRecord on its own needs Kryo, and is refused.
        assertThatThrownBy(() -> new GenericTypeInfo<>(GenericRecord.class)
                .createSerializer(config.getSerializerConfig()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(TypeInformation.of(GenericRecord.class)).isInstanceOf(GenericTypeInfo.class);
        assertThat(GenericData.get()).isNotNull();
    }
}
