package io.pgwal.jobs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Turns change envelopes into Kafka records: the value is the envelope and the key its {@link
 * ChangeKeys key}, both in Avro's single-object encoding (two marker bytes {@code C3 01}, the
 * writer schema's CRC-64-AVRO fingerprint as 8 little-endian bytes, then the Avro binary), so a
 * consumer resolves the schema from the fingerprint without a registry server.
 *
 * <p>The first time an operator instance meets a schema it emits the schema itself, before the
 * record that uses it, to the {@link KafkaTopics#schemasTopic() schemas topic} (key: the
 * fingerprint as 16 hex digits, value: the schema's JSON). Through an exactly-once KafkaSink the
 * schema is committed in the same transaction as that record or an earlier one, so a {@code
 * read_committed} consumer that sees a record can always find its schema. After a restart the
 * schemas are announced again: the same key and value, harmless in a compacted topic.
 */
final class ChangeToKafka implements FlatMapFunction<GenericRecord, KafkaMessage> {

    private static final long serialVersionUID = 1L;

    private final KafkaTopics topics;
    private transient Map<Schema, BinaryMessageEncoder<GenericRecord>> encoders;
    private transient Set<Long> announced;
    private transient ChangeKeys keys;

    ChangeToKafka(KafkaTopics topics) {
        this.topics = topics;
    }

    @Override
    public void flatMap(GenericRecord change, Collector<KafkaMessage> out) throws Exception {
        if (encoders == null) {
            encoders = new HashMap<>();
            announced = new HashSet<>();
            keys = new ChangeKeys();
        }
        GenericRecord key = keys.keyOf(change);
        byte[] keyBytes = key == null ? null : encode(key, out);
        byte[] value = encode(change, out);
        GenericRecord source = (GenericRecord) change.get("source");
        Object schema = source.get("schema");
        Object table = source.get("table");
        String topic = schema == null || table == null || change.getSchema().getField("after") == null
                ? topics.messagesTopic()
                : topics.topicOf(schema.toString(), table.toString());
        out.collect(new KafkaMessage(topic, keyBytes, value));
    }

    private byte[] encode(GenericRecord record, Collector<KafkaMessage> out) throws Exception {
        Schema schema = record.getSchema();
        BinaryMessageEncoder<GenericRecord> encoder = encoders.get(schema);
        if (encoder == null) {
            encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
            encoders.put(schema, encoder);
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            if (announced.add(fingerprint)) {
                out.collect(new KafkaMessage(topics.schemasTopic(),
                        fingerprintKey(fingerprint).getBytes(StandardCharsets.US_ASCII),
                        schema.toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
        ByteBuffer buffer = encoder.encode(record);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** The schemas topic's key for a fingerprint: 16 lower-case hex digits. */
    static String fingerprintKey(long fingerprint) {
        return String.format("%016x", fingerprint);
    }
}
