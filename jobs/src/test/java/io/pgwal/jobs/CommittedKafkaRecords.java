package io.pgwal.jobs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what a {@link KafkaSinkJob} committed, as a {@code read_committed} consumer sees it: the
 * change envelopes of each partition in offset order, decoded with the schemas topic.
 */
final class CommittedKafkaRecords {

    private CommittedKafkaRecords() {}

    /**
     * The values of every partition of {@code topics}, partition by partition, each mapped at
     * once; also checks that each record's key decodes.
     */
    static <T> List<List<T>> read(KafkaTestBroker broker, KafkaTopics names, Collection<String> topics,
            Function<GenericRecord, T> mapper) {
        Map<TopicPartition, List<T>> partitions = new LinkedHashMap<>();
        try (KafkaSchemas schemas = new KafkaSchemas(broker.bootstrapServers(), names.schemasTopic())) {
            broker.readCommitted(topics, (tp, r) -> {
                if (r.key() != null) {
                    schemas.decode(r.key());
                }
                partitions.computeIfAbsent(tp, k -> new ArrayList<>())
                        .add(mapper.apply(schemas.decode(r.value())));
            });
        }
        return new ArrayList<>(partitions.values());
    }
}
