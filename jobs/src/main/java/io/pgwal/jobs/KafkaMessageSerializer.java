package io.pgwal.jobs;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Hands a {@link KafkaMessage} to the KafkaSink as it is: its topic, key and value, no partition
 * (the producer's partitioner hashes the key), and the Flink record's timestamp (a change's commit
 * time; none for snapshot rows, then the producer's clock).
 */
final class KafkaMessageSerializer implements KafkaRecordSerializationSchema<KafkaMessage> {

    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> serialize(KafkaMessage m, KafkaSinkContext context,
            Long timestamp) {
        return new ProducerRecord<>(m.topic, null, timestamp, m.key, m.value);
    }
}
