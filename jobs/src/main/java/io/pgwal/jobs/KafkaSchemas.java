package io.pgwal.jobs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer's side of {@link KafkaSinkJob}: decodes the single-object-encoded keys and values
 * with the schemas the job wrote to its schemas topic, read with {@code read_committed}. A
 * fingerprint not seen yet makes it read the schemas topic again up to its end; the job commits
 * a schema no later than the first record that uses it, so the schema is there.
 *
 * <p>Thread-safe for decoding; {@link #close()} closes its consumer.
 */
public final class KafkaSchemas implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<Long, BinaryMessageDecoder<GenericRecord>> decoders = new ConcurrentHashMap<>();

    /**
     * @param bootstrapServers the brokers
     * @param schemasTopic the job's schemas topic ({@link KafkaTopics#schemasTopic()})
     */
    public KafkaSchemas(String bootstrapServers, String schemasTopic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.partitions = consumer.partitionsFor(schemasTopic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Decodes one key or value.
     *
     * @throws IllegalArgumentException when the bytes are not Avro single-object encoded, or
     *     their schema is not in the schemas topic
     */
    public GenericRecord decode(byte[] bytes) {
        if (bytes.length < 10 || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            throw new IllegalArgumentException("not Avro single-object encoding (C3 01 + fingerprint)");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        BinaryMessageDecoder<GenericRecord> decoder = decoders.get(fingerprint);
        if (decoder == null) {
            readSchemasTopic();
            decoder = decoders.get(fingerprint);
            if (decoder == null) {
                throw new IllegalArgumentException("schema " + ChangeToKafka.fingerprintKey(fingerprint)
                        + " is not in the schemas topic");
            }
        }
        try {
            return decoder.decode(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot decode a record of schema "
                    + ChangeToKafka.fingerprintKey(fingerprint), e);
        }
    }

    /** Reads the schemas topic from where it stopped up to its (committed) end. */
    private synchronized void readSchemasTopic() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                long fingerprint = Long.parseUnsignedLong(
                        new String(r.key(), StandardCharsets.US_ASCII), 16);
                Schema schema = new Schema.Parser().parse(new String(r.value(), StandardCharsets.UTF_8));
                decoders.putIfAbsent(fingerprint, new BinaryMessageDecoder<>(GenericData.get(), schema));
            }
        }
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
